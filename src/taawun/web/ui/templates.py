"""Rendering pages: Jinja2 templates in ``templates/``, translated with Babel catalogues.

One Jinja2 environment per language (autoescaped, with the i18n extension and that
language's ``Translations`` installed), so concurrent requests in different languages never
share a gettext. Every page's context has ``_``/``gettext``/``ngettext``, ``lang``, ``dir``
(``rtl`` for Arabic), ``user`` (the signed-in ``Principal`` or None), ``csrf_token``,
``assets`` (the vendored asset URLs), ``path`` and the formatters ``format_date``,
``format_number`` and ``state_name`` (a state's name in the language, ``registry.names``)
for the language.

The language: the cookie ``taawun_lang`` (set by ``?lang=``, see ``deps.switch_language``),
else the best of ``Accept-Language``, else English.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from taawun.registry.names import local_name
from taawun.web.ui.assets import assets

TEMPLATES = Path(__file__).parent / "templates"
LOCALE = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ar")  # the first is the default
LANGUAGE_NAMES = {"en": "English", "ar": "العربية"}  # each in its own language
RTL = frozenset({"ar", "fa", "ur", "he"})
LANG_COOKIE = "taawun_lang"
CSRF_COOKIE = "taawun_csrf"  # the double-submit token of pages shown before a session
CSRF_STATE = "ui_csrf_token"  # request.state: the signed-in session's CSRF token
USER_STATE = "ui_user"  # request.state: the signed-in Principal


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction only"
    """Mark ``message`` for the catalogue (``scripts/ui_messages.py``); translated later."""
    return message


def language_of(request: Request) -> str:
    """The request's language: its cookie, else ``Accept-Language``, else the default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return best_language(request.headers.get("accept-language", ""))


def best_language(header: str) -> str:
    """The supported language ``Accept-Language`` prefers most (``q`` weights honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else LANGUAGES[0]


@cache
def translations(lang: str) -> NullTranslations:
    """The language's compiled catalogue (``locale/<lang>/LC_MESSAGES/messages.mo``)."""
    if lang == LANGUAGES[0]:
        return NullTranslations()
    return Translations.load(str(LOCALE), [lang], domain="messages")


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2", "html.j2"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["format_date"] = lambda value: format_date(value, lang)
    env.globals["format_datetime"] = lambda value: format_datetime(value, lang)
    env.globals["format_number"] = lambda value: format_decimal(value, locale=lang)
    env.globals["state_name"] = lambda state, iso3=None: state_name(state, lang, iso3)
    return env


def state_name(state: Any, lang: str, iso3: str | None = None) -> str:
    """A state's name in ``lang`` where the shipped crosswalk has it: ``state`` is anything
    with ``name`` and ``iso3`` (``StateRef``, ``StateRead``), or a name with its ``iso3``."""
    if state is None:
        return ""
    if isinstance(state, str):
        return local_name(state, iso3, lang)
    return local_name(str(state.name), getattr(state, "iso3", None) or iso3, lang)


def format_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return ""
    return babel_format_date(value, format="medium", locale=lang)


def format_datetime(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    return babel_format_datetime(value, format="medium", locale=lang)


def gettext_for(lang: str) -> Any:
    """The language's ``gettext``, for messages made in Python (flash messages, errors)."""
    return translations(lang).gettext


def csrf_token_of(request: Request) -> tuple[str, bool]:
    """The token forms of this page carry, and whether it is new (a cookie to set): the
    session's once signed in, else the pre-session double-submit cookie's."""
    token = getattr(request.state, CSRF_STATE, None)
    if isinstance(token, str) and token:
        return token, False
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie and 20 <= len(cookie) <= 100:
        return cookie, False
    token = secrets.token_urlsafe(32)
    setattr(request.state, CSRF_STATE + "_new", token)
    return token, True


def set_csrf_cookie(request: Request, response: HTMLResponse, token: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )


def switch_url(request: Request, lang: str) -> str:
    """This page in ``lang``: its path and query with ``lang=`` (``deps.switch_language``)."""
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return quote(request.url.path, safe="/") + "?" + urlencode([*rest, ("lang", lang)])


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page made from template ``name`` with ``context`` and the common context."""
    lang = language_of(request)
    new_token = getattr(request.state, CSRF_STATE + "_new", None)
    token, new = (new_token, True) if new_token else csrf_token_of(request)
    common: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "dir": "rtl" if lang in RTL else "ltr",
        "languages": LANGUAGES,
        "user": getattr(request.state, USER_STATE, None),
        "csrf_token": token,
        "assets": assets(),
        "path": request.url.path,
        "switch_urls": {code: switch_url(request, code) for code in LANGUAGES if code != lang},
        "language_names": LANGUAGE_NAMES,
    }
    html = environment(lang).get_template(name).render({**common, **(context or {})})
    response = HTMLResponse(html, status_code=status_code)
    if new:
        set_csrf_cookie(request, response, token)
    return response
