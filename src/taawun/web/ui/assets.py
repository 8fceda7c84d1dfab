"""Where the pages find their vendored assets (``static/vendor/``, see
``scripts/vendor_assets.py``): the stylesheet of Pico CSS and the script of htmx.

``static/vendor/ASSETS.json`` (written by the vendoring script) lists each package's folder
(``<package>-<version>``) and files; the URLs come from it, so nothing here pins a version.
An asset that is not listed is None, and the base layout leaves it out (the pages still
work, unstyled or without htmx).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"
MANIFEST = VENDOR / "ASSETS.json"
URL = "/static/ui"  # where install() mounts STATIC
PICO = ("@picocss/pico", "pico.min.css")  # (npm package, the file the pages load)
HTMX = ("htmx.org", "htmx.min.js")


@dataclass(frozen=True, slots=True)
class Assets:
    pico_css: str | None
    htmx_js: str | None


def _listed() -> list[dict[str, Any]]:
    if not MANIFEST.is_file():
        return []
    listed: list[dict[str, Any]] = json.loads(MANIFEST.read_text("utf-8")).get("assets", [])
    return listed


def url_of(listed: list[dict[str, Any]], package: str, filename: str) -> str | None:
    """The URL of the package's file named ``filename`` (any folder in it), if vendored."""
    for asset in listed:
        if asset.get("name") != package:
            continue
        for entry in asset.get("files", []):
            path = str(entry.get("path", ""))
            if path.rsplit("/", 1)[-1] == filename and (VENDOR / asset["folder"] / path).is_file():
                return f"{URL}/vendor/{asset['folder']}/{path}"
    return None


@cache
def assets() -> Assets:
    """The vendored assets, looked up once per process."""
    listed = _listed()
    return Assets(pico_css=url_of(listed, *PICO), htmx_js=url_of(listed, *HTMX))
