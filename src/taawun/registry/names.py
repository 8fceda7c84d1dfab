"""States' names in other languages, from the shipped crosswalk (``un.name.<lang>``).

The registry keeps one name per state (COW's, in English). The crosswalk
(``crosswalk/countrycode_codelist_without_cldr.csv``) carries the UN's names in Arabic,
Spanish, French, Russian and Chinese, keyed by ISO 3166 alpha-3; ``local_name`` gives a
state's name in a language when the crosswalk has it and the registry's name otherwise
(states without an ISO code, such as Prussia or the Papal States, keep their COW name).
Read once per process.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources
from typing import Final

from taawun.registry.importers.sources import CROSSWALK_FILE

LANGUAGES: Final = ("ar", "es", "fr", "ru", "zh")


@cache
def names_in(lang: str) -> dict[str, str]:
    """ISO alpha-3 → the state's UN name in ``lang`` (empty for a language not shipped)."""
    if lang not in LANGUAGES:
        return {}
    text = resources.files("taawun").joinpath("data", CROSSWALK_FILE).read_text(encoding="utf-8")
    column = f"un.name.{lang}"
    names: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        iso3, name = (row.get("iso3c") or "").strip(), (row.get(column) or "").strip()
        if iso3 and name:
            names[iso3] = name
    return names


def local_name(name: str, iso3: str | None, lang: str) -> str:
    """The state's name in ``lang`` where the crosswalk has it, else ``name``."""
    if iso3 is None:
        return name
    return names_in(lang).get(iso3, name)
