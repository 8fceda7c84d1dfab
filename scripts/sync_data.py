"""Copy the datasets the registry and cooperation need from a shared data folder into
``src/taawun/data``.

Usage: ``python scripts/sync_data.py /path/to/shared/data``. Copies the files
listed in ``FILES`` (same subfolders), then rewrites ``MANIFEST.sha256``
(``sha256sum`` format, paths relative to ``data/``) over every shipped file.
``curated/`` is the project's own (it began as a copy, and has rows and columns the shared
folder lacks): it is never copied over.
COW alliance data is never shipped: the script refuses any path naming it.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "taawun" / "data"
MANIFEST = "MANIFEST.sha256"

FILES = (
    "atop/atop5_1a.csv",
    "atop/atop5_1m.csv",
    "atop/atop5_1aph.csv",
    "atop/atopinst5_1.csv",
    "atop/atop5_1sy.csv",
    "cow/states2016.csv",
    "cow/COW-country-codes.csv",
    "cow/igo/cow_igo_v3_membership_spells_selected.csv",
    "cow/igo/cow_igo_v3_igo_list.csv",
    "crosswalk/countrycode_codelist_without_cldr.csv",
    "exercises/mme_v7.csv",
    "peacekeeping/geopko_africa_1994_2018.csv",
    "sipri/sipri_tiv_supplier_recipient_year_1950_2021.csv",
    "sipri/sipri_trade_register_supplier_uk.csv",
    "sipri/sipri_trade_register_supplier_france.csv",
    "sipri/sipri_trade_register_supplier_germany.csv",
    "sipri/sipri_trade_register_supplier_usa_raw.csv",
    "extra/nca_nuclear_cooperation_agreements_fuhrmann.csv",
)
NOT_SHIPPED = ("README.md", MANIFEST)


def _forbidden(path: str) -> bool:
    """COW formal-alliance files (alliance_v4.1_*): their maintainer asked not to ease their use."""
    name = path.lower()
    return name.startswith("cow/") and "alliance" in name


def write_manifest(data: Path) -> list[str]:
    """Rewrite the manifest over every file under ``data`` (but the manifest and README)."""
    lines = []
    for file in sorted(p for p in data.rglob("*") if p.is_file()):
        rel = file.relative_to(data).as_posix()
        if rel in NOT_SHIPPED:
            continue
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        lines.append(f"{digest}  {rel}")
    (data / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", type=Path, help="the shared data folder (holding PROVENANCE.md)")
    args = parser.parse_args(argv)
    shared: Path = args.shared
    for rel in FILES:
        if _forbidden(rel):
            sys.stderr.write(f"refusing to ship COW alliance data: {rel}\n")
            return 1
        source = shared / rel
        if not source.is_file():
            sys.stderr.write(f"missing in {shared}: {rel}\n")
            return 1
        target = DATA / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        target.chmod(0o644)
    lines = write_manifest(DATA)
    sys.stdout.write(f"{len(lines)} files shipped in {DATA}; manifest rewritten\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
