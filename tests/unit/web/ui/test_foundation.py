"""The web UI's foundation, without a node: languages, catalogues, where sign-in may lead,
which paths are pages, the vendored assets the layout links, and rendering."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from starlette.requests import Request

from taawun.web.headers import UI_POLICY, is_ui_path
from taawun.web.ui import assets as ui_assets
from taawun.web.ui.pages import safe_next
from taawun.web.ui.templates import best_language, environment, render, translations

ROOT = Path(__file__).resolve().parents[4]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "en"),
        ("ar", "ar"),
        ("ar-SA,ar;q=0.9,en;q=0.8", "ar"),
        ("en-GB,en;q=0.9,ar;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,ar;q=0.5", "ar"),
        ("fr", "en"),
        ("ar;q=0,en;q=0.1", "en"),
        ("ar;q=bogus", "en"),
    ],
)
def test_best_language(header: str, expected: str) -> None:
    assert best_language(header) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/", "/"),
        ("/agreements?party=TUR", "/agreements?party=TUR"),
        ("", "/"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/ok\r\nSet-Cookie: x=y", "/"),
        ("agreements", "/"),
    ],
)
def test_sign_in_leads_only_to_paths_of_the_node(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


@pytest.mark.parametrize(
    ("path", "ui"),
    [
        ("/", True),
        ("/sign-in", True),
        ("/agreements/12", True),
        ("/no-such-page", True),
        ("/apiary", True),
        ("/api/v1/agreements", False),
        ("/api", False),
        ("/taxii2/", False),
        ("/static/ui/ui.css", False),
        ("/docs", False),
        ("/redoc", False),
        ("/health", False),
        ("/openapi.json", False),
    ],
)
def test_which_paths_are_pages(path: str, ui: bool) -> None:
    assert is_ui_path(path) is ui


def test_the_ui_policy_allows_nothing_inline() -> None:
    directives = dict(d.strip().split(" ", 1) for d in UI_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in UI_POLICY
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"


def test_the_arabic_catalogue_is_complete_and_compiled() -> None:
    messages = _script("ui_messages")
    template = messages.extract()
    ids = {m.id for m in template if m.id}
    assert "Sign in" in ids and "Not found" in ids  # templates and Python both extracted
    assert messages.problems("ar", template) == []


@pytest.mark.parametrize(
    ("english", "arabic"),
    [
        ("Sign in", "تسجيل الدخول"),
        ("Username", "اسم المستخدم"),
        ("Password", "كلمة المرور"),
        ("Dashboard", "لوحة المتابعة"),
        ("Agreements", "الاتفاقيات"),
        ("Sign out", "تسجيل الخروج"),
        ("Not found", "غير موجود"),
    ],
)
def test_the_agreed_texts_in_arabic(english: str, arabic: str) -> None:
    assert translations("ar").gettext(english) == arabic
    assert translations("en").gettext(english) == english


def test_the_layout_links_the_vendored_assets() -> None:
    found = ui_assets.assets()
    assert found.pico_css and found.pico_css.endswith("/pico.min.css")
    assert found.htmx_js and found.htmx_js.endswith("/htmx.min.js")
    for url in (found.pico_css, found.htmx_js):
        assert (ui_assets.STATIC / url.removeprefix(ui_assets.URL + "/")).is_file()


def test_a_missing_asset_is_left_out() -> None:
    assert ui_assets.url_of([], "htmx.org", "htmx.min.js") is None
    listed = [{"name": "htmx.org", "folder": "htmx.org-0.0.0", "files": [{"path": "htmx.min.js"}]}]
    assert ui_assets.url_of(listed, "htmx.org", "htmx.min.js") is None  # not on disk


def _request(path: str = "/x", headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": raw,
            "scheme": "http",
            "server": ("testserver", 80),
        }
    )


def test_render_gives_every_page_the_common_context() -> None:
    page = render(
        _request(headers={"accept-language": "ar"}),
        "error.html.j2",
        {"title": "T", "message": "<b>m</b>"},
        status_code=418,
    )
    html = bytes(page.body).decode()
    assert page.status_code == 418
    assert '<html lang="ar" dir="rtl">' in html
    assert "&lt;b&gt;m&lt;/b&gt;" in html  # autoescaped
    token = page.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    assert f'<meta name="csrf-token" content="{token}">' in html
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "انتقل إلى المحتوى" in html  # the skip link, translated


def test_every_template_compiles() -> None:
    folder = Path(ui_assets.__file__).parent / "templates"
    names = sorted(p.name for p in folder.glob("*.j2"))
    assert "base.html.j2" in names
    for lang in ("en", "ar"):
        for name in names:
            environment(lang).get_template(name)
