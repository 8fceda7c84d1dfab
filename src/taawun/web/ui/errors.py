"""How the pages answer what goes wrong: HTML error pages on UI paths, and the pages'
signals (sign in first, a refused CSRF token, a language switch).

The API's handlers (``web/errors.py``) stay in charge of every other path: ``install``
wraps them, so on a path that ``web.headers.is_ui_path`` calls the UI's a ``NotFound`` (a
hidden object is one: the services make no difference), an unknown route, a refused
permission or a bad parameter is a page in the user's language, the same page for a hidden
object as for a missing one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from taawun.core.errors import NotFound, PermissionDenied, TaawunError, TooManyRequests
from taawun.web.headers import is_ui_path
from taawun.web.ui import sessions
from taawun.web.ui.deps import CsrfRefused, LanguageSwitch, SignInRequired, switch_language
from taawun.web.ui.templates import (
    CSRF_STATE,
    LANG_COOKIE,
    N_,
    USER_STATE,
    gettext_for,
    language_of,
    render,
)

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]
LANG_MAX_AGE = 365 * 24 * 3600

# The texts are marked for extraction here and translated when the page is made.
NOT_FOUND = N_("Not found")
NOT_FOUND_TEXT = N_("There is nothing here, or nothing you may see.")
FORBIDDEN = N_("Not allowed")
FORBIDDEN_TEXT = N_("You may not do this.")
EXPIRED_FORM = N_("This form has expired or is not valid. Reload the page and try again.")
BAD_REQUEST = N_("Cannot do this")
TOO_MANY = N_("Too many requests")
SOMETHING_WRONG = N_("Something went wrong")


async def error_page(
    request: Request, status_code: int, title: str, message: str | None = None
) -> Response:
    """The error page (translated ``title`` and ``message``), with the nav of the signed-in
    user where there is one."""
    await _find_user(request)
    _ = gettext_for(language_of(request))
    return render(
        request,
        "error.html.j2",
        {"title": _(title), "message": _(message) if message else None, "status": status_code},
        status_code=status_code,
    )


async def not_found_page(request: Request) -> Response:
    return await error_page(request, 404, NOT_FOUND, NOT_FOUND_TEXT)


async def _find_user(request: Request) -> None:
    """The signed-in user, for the nav of a page no page dependency ran for (an unknown
    path): looked up in a session of its own, read only."""
    if getattr(request.state, USER_STATE, None) is not None:
        return
    token = request.cookies.get(sessions.COOKIE)
    if not sessions.well_formed(token):
        return
    state = request.app.state

    def lookup() -> sessions.Found | None:
        with state.sessionmaker() as session:
            return sessions.resolve(session, token=token, clock=state.clock)

    found = await run_in_threadpool(lookup)
    if found is not None:
        setattr(request.state, USER_STATE, found.principal)
        setattr(request.state, CSRF_STATE, found.csrf_secret)


async def _delegate(handler: Handler | None, request: Request, exc: Exception) -> Response:
    if handler is None:
        raise exc
    answer = handler(request, exc)
    return await answer if isinstance(answer, Awaitable) else answer


def install(app: FastAPI) -> None:
    """Answer the pages' signals, and give UI paths HTML errors (after ``web.errors``)."""
    api_taawun = app.exception_handlers.get(TaawunError)
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_invalid = app.exception_handlers.get(RequestValidationError)

    async def taawun_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TaawunError)
        if not is_ui_path(request.url.path):
            return await _delegate(api_taawun, request, exc)
        if isinstance(exc, NotFound):
            return await not_found_page(request)
        if isinstance(exc, PermissionDenied):
            return await error_page(request, 403, FORBIDDEN, FORBIDDEN_TEXT)
        if isinstance(exc, TooManyRequests):
            answer = await error_page(request, 429, TOO_MANY)
            answer.headers["Retry-After"] = str(exc.retry_after)
            return answer
        if exc.http_status >= 500:
            log.error("%s answering %s %r", exc.code, request.method, request.url.path)
            return await error_page(request, exc.http_status, SOMETHING_WRONG)
        return await error_page(request, exc.http_status, BAD_REQUEST, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_ui_path(request.url.path):
            return await _delegate(api_http, request, exc)
        if exc.status_code == 404:
            try:
                await switch_language(request)  # ?lang= on an unknown path too
            except LanguageSwitch as switch:
                return await language_switch(request, switch)
            return await not_found_page(request)
        if exc.status_code == 405:
            answer = await error_page(request, 405, BAD_REQUEST)
            return answer
        return await error_page(request, exc.status_code, SOMETHING_WRONG)

    async def invalid(request: Request, exc: Exception) -> Response:
        if not is_ui_path(request.url.path):
            return await _delegate(api_invalid, request, exc)
        return await error_page(request, 400, BAD_REQUEST)

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse("/sign-in?next=" + quote(exc.next_path, safe="/"), 303)

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return await error_page(request, 403, FORBIDDEN, EXPIRED_FORM)

    async def language_switch(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LanguageSwitch)
        answer = RedirectResponse(exc.target, 303)
        if exc.lang is not None:
            answer.set_cookie(
                LANG_COOKIE,
                exc.lang,
                max_age=LANG_MAX_AGE,
                path="/",
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return answer

    app.add_exception_handler(TaawunError, taawun_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(LanguageSwitch, language_switch)
