"""What every list page shares: its page size, its ``?page=``, and whether htmx asks for
the results only (``agreements.py`` is the model: a plain GET gets the page, htmx the
results, which replace the list)."""

from __future__ import annotations

from typing import Final

from starlette.requests import Request

from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits

PAGE_SIZE: Final = 50


def wants_fragment(request: Request) -> bool:
    """An htmx request for the results only (not a history restore, which needs the page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and "hx-history-restore-request" not in headers


def page_number(value: str, page_size: int = PAGE_SIZE) -> int:
    """``?page=``, leniently: anything that is not a page number is the first page."""
    text = value.strip()
    number = bounded_int(text, maximum=INT32_MAX // page_size) if is_ascii_digits(text) else None
    return number if number else 1
