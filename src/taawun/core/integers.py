"""Integers read from untrusted text: ASCII digits only, no larger than a bound.

``str.isdigit()`` is true of ``²`` and ``٣``, which ``int()`` refuses or reads, and
``int()`` reads integers no database column holds. Every id, count and token the node
parses from a request goes through ``bounded_int`` with the bound of where it is used.
"""

from __future__ import annotations

INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER: every id column
INT64_MAX = 2**63 - 1  # PostgreSQL BIGINT: the µs timestamps (``date_added``)


def is_ascii_digits(text: str) -> bool:
    """Whether ``text`` is one or more of ``0``-``9`` and nothing else."""
    return text.isascii() and text.isdigit()


def bounded_int(text: str, *, maximum: int) -> int | None:
    """The integer ``text`` spells in ASCII digits when it is at most ``maximum``; else None.

    Leading zeros are allowed; signs, spaces, underscores and other digits are not. The
    length is checked before ``int()`` runs, so a long string costs nothing.
    """
    if not is_ascii_digits(text):
        return None
    significant = text.lstrip("0")
    if len(significant) > len(str(maximum)):
        return None
    value = int(significant or "0")
    return value if value <= maximum else None
