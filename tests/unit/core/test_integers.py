"""``core.integers``: integers from untrusted text, ASCII digits only, within a bound."""

from __future__ import annotations

import pytest

from taawun.core.integers import INT32_MAX, INT64_MAX, bounded_int, is_ascii_digits


@pytest.mark.parametrize("text", ["0", "7", "0042", "2147483647"])
def test_ascii_digits_within_the_bound_are_read(text: str) -> None:
    assert bounded_int(text, maximum=INT32_MAX) == int(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1_000",
        "1.0",
        "²",  # isdigit() but not int()
        "¹²",
        "٣",  # Arabic-Indic three: int() takes it, the node does not
        "１",  # fullwidth one
        "1\x00",
        "2147483648",
        "99999999999999999999",
        "9" * 5000,  # past int()'s 4300-digit limit: refused before int() is called
    ],
)
def test_anything_else_is_none(text: str) -> None:
    assert bounded_int(text, maximum=INT32_MAX) is None


def test_leading_zeros_do_not_count_against_the_bound() -> None:
    assert bounded_int("0" * 100 + "5", maximum=INT32_MAX) == 5
    assert bounded_int(str(INT64_MAX), maximum=INT64_MAX) == INT64_MAX
    assert bounded_int(str(INT64_MAX + 1), maximum=INT64_MAX) is None


def test_ascii_digits() -> None:
    assert is_ascii_digits("0123456789")
    assert not is_ascii_digits("")
    assert not is_ascii_digits("²")
    assert not is_ascii_digits("٣")
