"""What the listing endpoints share: the ``X-TAXII-Date-Added`` headers (§3.2) and the
envelope (§3.7), built from stored bodies by concatenation (the read hot path)."""

from __future__ import annotations

from collections.abc import Sequence

from taawun.intel.service import RawPage
from taawun.intel.taxii.media import TaxiiResponse
from taawun.intel.taxii.params import next_token
from taawun.intel.times import format_us

EMPTY = b"{}"  # no results: an empty resource, never an empty list (§3.7, §5.4)


def date_added_headers(added: Sequence[int]) -> dict[str, str]:
    """§3.2: the first and last ``date_added`` of the items answered (none without items)."""
    if not added:
        return {}
    return {
        "X-TAXII-Date-Added-First": format_us(added[0]),
        "X-TAXII-Date-Added-Last": format_us(added[-1]),
    }


def envelope(page: RawPage) -> TaxiiResponse:
    """§3.7.1: ``more``, ``next`` when there is more, and the objects exactly as stored."""
    if not page.count or page.first_added is None or page.last_added is None:
        return TaxiiResponse(EMPTY)
    token = next_token([page.last_added], page.more)
    head = b'{"more":true,"next":"' + token.encode() + b'",' if token else b'{"more":false,'
    body = b"".join((head, b'"objects":[', page.objects, b"]}"))  # one copy of the bodies
    return TaxiiResponse(body, headers=date_added_headers([page.first_added, page.last_added]))
