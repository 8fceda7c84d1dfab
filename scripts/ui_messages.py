"""The web UI's message catalogues: extract, update, compile (Babel).

Usage: ``python scripts/ui_messages.py`` extracts every message of the templates
(``web/ui/templates/*.j2``: ``_()``, ``gettext()``, ``ngettext()``, ``{% trans %}``) and of
the UI's Python modules (``_()``, ``gettext()``, ``ngettext()``, ``N_()``) into
``web/ui/locale/messages.pot``, updates each language's ``<lang>/LC_MESSAGES/messages.po``
from it (new messages come in untranslated, gone ones are dropped) and compiles each into
the ``messages.mo`` the node loads. Translate in the ``.po`` and run it again.

``--check`` changes nothing: it fails (exit 1) when a catalogue lacks a message, has an
untranslated or fuzzy one, or when a ``.mo`` is not the compiled ``.po``; CI runs it.
``--lang xx`` adds a language (an empty catalogue to translate).
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

UI = Path(__file__).resolve().parent.parent / "src" / "taawun" / "web" / "ui"
LOCALE = UI / "locale"
TEMPLATE = LOCALE / "messages.pot"
DOMAIN = "messages"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [
    ("templates/**.j2", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS = {
    "templates/**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"},
}
STAMP = datetime(2026, 12, 6, tzinfo=UTC)  # fixed: the files change only when messages do


def extract() -> Catalog:
    catalog = Catalog(project="taawun", creation_date=STAMP, revision_date=STAMP, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        UI, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, sort_output=True, include_lineno=False, omit_header=False)
    return out.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def languages() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES").is_dir())


def _read(lang: str) -> Catalog:
    po = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return Catalog(locale=lang, domain=DOMAIN, creation_date=STAMP, revision_date=STAMP)
    with po.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def _updated(lang: str, template: Catalog) -> Catalog:
    catalog = _read(lang)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.creation_date = STAMP
    catalog.revision_date = STAMP
    catalog.fuzzy = False
    return catalog


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(string, tuple | list):
        return bool(string) and all(string)
    return bool(string)


def problems(lang: str, template: Catalog) -> list[str]:
    """What is wrong with the language's catalogue (empty when it is complete)."""
    folder = LOCALE / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if not po.exists():
        return [f"{po}: missing"]
    catalog = _read(lang)
    found: list[str] = []
    for message in template:
        if not message.id:
            continue
        ours = catalog.get(message.id, message.context)
        if ours is None:
            found.append(f"{lang}: not in the catalogue: {message.id!r}")
        elif ours.fuzzy or not _translated(ours.string):
            found.append(f"{lang}: not translated: {message.id!r}")
    if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
        found.append(f"{mo}: not the compiled {po.name}: run scripts/ui_messages.py")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail if stale")
    parser.add_argument("--lang", action="append", default=[], help="add a language")
    args = parser.parse_args(argv)
    template = extract()
    if args.check:
        found = [p for lang in languages() for p in problems(lang, template)]
        for problem in found:
            sys.stderr.write(problem + "\n")
        return 1 if found else 0
    TEMPLATE.write_bytes(_po_bytes(template))
    for lang in sorted({*languages(), *args.lang}):
        folder = LOCALE / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        catalog = _updated(lang, template)
        (folder / f"{DOMAIN}.po").write_bytes(_po_bytes(catalog))
        (folder / f"{DOMAIN}.mo").write_bytes(_mo_bytes(catalog))
        missing = [m.id for m in catalog if m.id and not _translated(m.string)]
        sys.stdout.write(f"{lang}: {len(catalog)} messages, {len(missing)} untranslated\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
