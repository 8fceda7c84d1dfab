"""FastAPI dependencies of the pages: the unit of work, the signed-in user, CSRF, language.

``page_work_dep`` is the API's ``access.deps.work_dep`` for a browser: the same one
transaction per request (a POST queues at the write gate and begins with the write lock;
a read never writes: the session's sliding expiry is a deferred write), with the caller
found from the ``taawun_session`` cookie (``sessions.py``) instead of an Authorization
header, and no caller at all when there is no live session.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from taawun.access.deps import clock_of, request_transaction, run_inline
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.schemas import StateRef
from taawun.web.ui import sessions
from taawun.web.ui.templates import CSRF_COOKIE, CSRF_STATE, LANGUAGES, USER_STATE

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def my_state(session: Session, user: Principal) -> StateRef | None:
    """The signed-in user's state (None for a user of no state): what the pages' forms and
    filters fill in for "my state"."""
    if user.state_id is None:
        return None
    return registry.state_refs(session, [user.state_id]).get(user.state_id)


class SignInRequired(Exception):
    """No live session: the page answers 303 to ``/sign-in?next=<path>``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A POST without the page's CSRF token, or with a wrong one."""


class LanguageSwitch(Exception):
    """``?lang=``: remember the language and show the same page without the parameter."""

    def __init__(self, lang: str | None, target: str) -> None:
        super().__init__(target)
        self.lang = lang
        self.target = target


@dataclass(frozen=True, slots=True)
class PageWork:
    """A page request's unit of work: its session, and the live UI session if any."""

    session: Session
    found: sessions.Found | None


async def page_work_dep(request: Request) -> AsyncIterator[PageWork]:
    """One session and one transaction per page request, the signed-in user (if any)
    found first in it; committed when the endpoint returns, rolled back on any error."""
    state = request.app.state
    clock = clock_of(request)
    async with request_transaction(request) as (session, inline):
        token = request.cookies.get(sessions.COOKIE)
        found = await run_inline(
            inline, partial(sessions.resolve, session, token=token, clock=clock)
        )
        if found is not None:
            setattr(request.state, USER_STATE, found.principal)
            setattr(request.state, CSRF_STATE, found.csrf_secret)
            if found.touch_due:
                state.deferred.submit(
                    partial(sessions.touch, session_id=found.session_id, clock=clock)
                )
        yield PageWork(session, found)


PageWorkDep = Annotated[PageWork, Depends(page_work_dep, scope="function")]


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def page_user_dep(request: Request, work: PageWorkDep) -> Principal:
    if work.found is None:
        raise SignInRequired(_here(request))
    return work.found.principal


async def page_session_dep(work: PageWorkDep) -> Session:
    return work.session


PageUserDep = Annotated[Principal, Depends(page_user_dep)]
PageSessionDep = Annotated[Session, Depends(page_session_dep)]


async def check_csrf(request: Request, work: PageWorkDep) -> None:
    """Every POST carries the page's CSRF token (form field ``csrf_token`` or header
    ``X-CSRF-Token``): the session's secret once signed in, else the pre-session
    ``taawun_csrf`` cookie's value (double submit). Anything else is refused (403)."""
    expected = (
        work.found.csrf_secret if work.found is not None else request.cookies.get(CSRF_COOKIE)
    )
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise CsrfRefused


CsrfDep = Depends(check_csrf)


async def switch_language(request: Request) -> None:
    """``?lang=ar|en`` on a GET: set the language cookie and show the page without it."""
    if request.method != "GET" or "lang" not in request.query_params:
        return
    lang = request.query_params.get("lang")
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
    raise LanguageSwitch(lang if lang in LANGUAGES else None, target)


__all__ = [  # clock_of too: the pages' clock is the API's (``access.deps``)
    "CSRF_FIELD",
    "CSRF_HEADER",
    "CsrfDep",
    "CsrfRefused",
    "LanguageSwitch",
    "PageSessionDep",
    "PageUserDep",
    "PageWork",
    "PageWorkDep",
    "SignInRequired",
    "check_csrf",
    "clock_of",
    "my_state",
    "page_session_dep",
    "page_user_dep",
    "page_work_dep",
    "switch_language",
]
