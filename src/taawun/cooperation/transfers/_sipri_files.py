"""Reading SIPRI's files into transfer rows (for ``cooperation/importers/sipri.py``).

Every source row is accounted for in ``Account``: ``imported`` (a transfer row), ``structure``
(the US register's recipient headings and blank lines, which carry no transfer) or
``unresolvable`` (reported with its line, never guessed).

- TIV table (``sipri/sipri_tiv_supplier_recipient_year_1950_2021.csv``, UTF-8): ``supplier``,
  ``recipient``, ``year``, ``value`` (TIV in millions, rounded: 0 is a delivery under half a
  million) → one ``aggregate`` transfer each (``tiv_delivered``, delivered in ``year``).
  ``supplier_cown``/``recipient_cown``, added by 360info, are checked against the name's
  state, never trusted alone: 360info gave SIPRI's non-state recipients their country's
  code ("PKK (Turkey)*" carries 640).
- Registers of the UK, France and Germany (Windows-1252, 13 columns): ``Recipient``,
  ``Supplier``, ``Year of order``, ``Number ordered`` (empty: not given, so uncertain),
  ``Weapon designation``, ``Weapon description``, ``Number delivered``, ``Year(s) of
  delivery`` ("2010; 2011"), ``status`` (New, Second hand, Second hand but modernized →
  ``condition``), ``Comments``, ``SIPRI TIV per unit``, ``... for total order``, ``... of
  delivered weapons`` → one ``deal`` each.
- US register (UTF-8 with a byte-order mark; ``country, ordered, weapon, weapon.des, year,
  years.delivered, delivered, comments``): rows grouped under a recipient heading (a row
  with only ``country``), blank rows between groups, no TIV and no status. A data row must
  have the shape of the others (``year`` four digits, ``years.delivered`` "2011" or
  "2011-2012", numbers or empty); three rows are shifted one column to the right with their
  comment lost and their numbers negative, SIPRI's "(..)" estimate marks turned into minus
  signs by the conversion: they are reported, not repaired.

Uncertainty is kept where SIPRI marks it (``uncertain``): a comment saying "Supplier
uncertain", "Recipient uncertain", "Designation uncertain" or "Status uncertain"; "probably"
or "possibly" second-hand (the condition); an empty ``Number ordered``. These exports carry
no "?" and no parenthesised estimates in any number or year.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from taawun.cooperation.transfers.catalogue import normalise
from taawun.cooperation.transfers.vocabulary import category_of
from taawun.core.errors import DataFileError
from taawun.registry.importers._csv import Row

TIV_FILE: Final = "sipri/sipri_tiv_supplier_recipient_year_1950_2021.csv"
REGISTER_FILES: Final = {
    "UK": "sipri/sipri_trade_register_supplier_uk.csv",
    "France": "sipri/sipri_trade_register_supplier_france.csv",
    "Germany": "sipri/sipri_trade_register_supplier_germany.csv",
}
US_FILE: Final = "sipri/sipri_trade_register_supplier_usa_raw.csv"
US_SUPPLIER: Final = "United States"  # the register's supplier, named nowhere in it
TIV_COLUMNS: Final = ("supplier", "recipient", "year", "value", "supplier_cown", "recipient_cown")
REGISTER_COLUMNS: Final = (
    "Recipient",
    "Supplier",
    "Year of order",
    "Number ordered",
    "Weapon designation",
    "Weapon description",
    "Number delivered",
    "Year(s) of delivery",
    "status",
    "Comments",
    "SIPRI TIV per unit",
    "SIPRI TIV for total order",
    "SIPRI TIV of delivered weapons",
)
US_COLUMNS: Final = (
    "country",
    "ordered",
    "weapon",
    "weapon.des",
    "year",
    "years.delivered",
    "delivered",
    "comments",
)
_UNCERTAIN = re.compile(r"\b(supplier|recipient|designation|status) uncertain", re.I)
_HEDGED_CONDITION = re.compile(r"\b(probably|possibly) second[- ]hand", re.I)
_YEAR = re.compile(r"^\d{4}$")
_US_DELIVERY = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
_NUMBER = re.compile(r"^\d+$")

Party = tuple[int | None, str]  # state id (or None) and the party's kind
Resolve = Callable[[str, str | None, int], Party]  # name, 360info's COW code, year


@dataclass(slots=True)
class Account:
    """What became of a file's rows."""

    read: int = 0
    imported: int = 0
    structure: int = 0
    unresolvable: int = 0


@dataclass(slots=True)
class Parsed:
    path: str
    sha256: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    account: Account = field(default_factory=Account)
    notes: list[str] = field(default_factory=list)


def read_rows(data_dir: Path, path: str, encoding: str, required: tuple[str, ...]) -> Parsed:
    """The file's data rows, strictly (as ``registry.importers._csv.read_table`` does, in the
    file's own encoding): a missing column, a short row or a bad byte names file and line."""
    try:
        raw = (data_dir / path).read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror or 'missing'})") from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(path, f"not valid {encoding}", line=line) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(path, f"bad header: missing column(s) {', '.join(missing)}", line=1)
    parsed = Parsed(path, hashlib.sha256(raw).hexdigest())
    try:
        for fields in reader:
            if len(fields) != len(header):
                raise DataFileError(
                    path,
                    f"expected {len(header)} fields, found {len(fields)}",
                    line=reader.line_num,
                )
            parsed.account.read += 1
            values = dict(zip(header, fields, strict=True))
            parsed.rows.append({"_row": Row(path, reader.line_num, values)})
    except csv.Error as exc:
        raise DataFileError(path, f"malformed CSV ({exc})", line=reader.line_num) from None
    return parsed


def _number(row: Row, column: str) -> float | None:
    raw = row.values[column].strip()
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise row.error(f"column {column!r}: expected a number, found {raw!r}") from None


def _count(row: Row, column: str) -> int | None:
    raw = row.values[column].strip()
    if raw == "":
        return None
    if not _NUMBER.match(raw):
        raise row.error(f"column {column!r}: expected a whole number, found {raw!r}")
    return int(raw)


def _uncertain(comments: str, ordered: int | None) -> list[str]:
    fields = sorted({m.lower() for m in _UNCERTAIN.findall(comments)})
    fields = ["condition" if f == "status" else f for f in fields]
    if _HEDGED_CONDITION.search(comments) and "condition" not in fields:
        fields.append("condition")
    if ordered is None:
        fields.append("quantity_ordered")
    return sorted(fields)


def _cown(raw: str) -> str | None:
    raw = raw.strip()
    return None if raw in ("", "NA") else raw


def parse_tiv(data_dir: Path, resolve: Resolve) -> Parsed:
    parsed = read_rows(data_dir, TIV_FILE, "utf-8", TIV_COLUMNS)
    rows = []
    for entry in parsed.rows:
        row: Row = entry["_row"]
        year = row.int("year")
        value = _number(row, "value")
        if value is None or value < 0:
            raise row.error(f"column 'value': expected a TIV of 0 or more, found {value!r}")
        supplier, recipient = row.text("supplier"), row.text("recipient")
        rows.append(
            {
                "kind": "aggregate",
                "source_row": row.line,
                **_party(
                    "supplier",
                    supplier,
                    resolve(supplier, _cown(row.values["supplier_cown"]), year),
                ),
                **_party(
                    "recipient",
                    recipient,
                    resolve(recipient, _cown(row.values["recipient_cown"]), year),
                ),
                "year": year,
                "delivery_years": str(year),
                "first_delivery": year,
                "last_delivery": year,
                "tiv_delivered": value,
            }
        )
        parsed.account.imported += 1
    parsed.rows = rows
    return parsed


def _party(role: str, name: str, party: Party) -> dict[str, Any]:
    return {f"{role}_state_id": party[0], f"{role}_name": name, f"{role}_kind": party[1]}


def _item(parsed: Parsed, designation: str, description: str) -> str:
    """The catalogue key of a register's designation (added to ``parsed.items`` once)."""
    key = f"{normalise(designation)}|{normalise(description)}"[:200]
    parsed.items.setdefault(
        key,
        {
            "key": key,
            "designation": designation,
            "description": description or None,
            "category": category_of(description),
        },
    )
    return key


def _deal(
    parsed: Parsed,
    row: Row,
    *,
    recipient: dict[str, Any],
    supplier: dict[str, Any],
    designation: str,
    description: str,
    ordered: int | None,
    delivered: int | None,
    order_year: int,
    delivery: tuple[str | None, int | None, int | None],
    comments: str,
    condition: str | None = None,
    tiv: tuple[float | None, float | None, float | None] = (None, None, None),
) -> None:
    if not designation:
        raise row.error("the weapon designation is empty")
    parsed.rows.append(
        {
            "kind": "deal",
            "source_row": row.line,
            **supplier,
            **recipient,
            "item_key": _item(parsed, designation, description),
            "designation": designation,
            "description": description or None,
            "category": category_of(description),
            "quantity_ordered": ordered,
            "quantity_delivered": delivered,
            "order_year": order_year,
            "year": order_year,
            "delivery_years": delivery[0],
            "first_delivery": delivery[1],
            "last_delivery": delivery[2],
            "condition": condition,
            "comments": comments or None,
            "tiv_unit": tiv[0],
            "tiv_order": tiv[1],
            "tiv_delivered": tiv[2],
            "uncertain": _uncertain(comments, ordered),
        }
    )
    parsed.account.imported += 1


def parse_register(data_dir: Path, path: str, resolve: Resolve) -> Parsed:
    """A register of SIPRI's standard export (the UK, France, Germany)."""
    parsed = read_rows(data_dir, path, "cp1252", REGISTER_COLUMNS)
    entries, parsed.rows = parsed.rows, []
    for entry in entries:
        row: Row = entry["_row"]
        years = [y.strip() for y in row.values["Year(s) of delivery"].split(";") if y.strip()]
        if any(not _YEAR.match(y) for y in years):
            raise row.error(f"column 'Year(s) of delivery': {years!r} are not years")
        delivery = ("; ".join(years) or None, int(years[0]) if years else None,
                    int(years[-1]) if years else None)  # fmt: skip
        recipient, supplier = row.text("Recipient"), row.text("Supplier")
        year = row.int("Year of order")
        _deal(
            parsed,
            row,
            recipient=_party("recipient", recipient, resolve(recipient, None, year)),
            supplier=_party("supplier", supplier, resolve(supplier, None, year)),
            designation=row.text("Weapon designation"),
            description=row.text("Weapon description"),
            ordered=_count(row, "Number ordered"),
            delivered=_count(row, "Number delivered"),
            order_year=year,
            delivery=delivery,
            comments=row.text("Comments"),
            condition=row.text("status") or None,
            tiv=(
                _number(row, "SIPRI TIV per unit"),
                _number(row, "SIPRI TIV for total order"),
                _number(row, "SIPRI TIV of delivered weapons"),
            ),
        )
    return parsed


def parse_us_register(data_dir: Path, resolve: Resolve) -> Parsed:
    """The US register's older layout (see the module): faithful rows in, the rest out."""
    parsed = read_rows(data_dir, US_FILE, "utf-8-sig", US_COLUMNS)
    entries, parsed.rows = parsed.rows, []
    recipient: str | None = None
    for entry in entries:
        row: Row = entry["_row"]
        values = {c: row.values[c].strip() for c in US_COLUMNS}
        rest = [values[c] for c in US_COLUMNS[1:]]
        if not any(rest):
            parsed.account.structure += 1
            recipient = values["country"] or recipient
            continue
        if values["country"] or recipient is None:
            raise row.error("a data row must follow a recipient heading, with no country itself")
        problem = _us_problem(values)
        if problem:
            parsed.account.unresolvable += 1
            shown = ", ".join(f"{c}={values[c]!r}" for c in US_COLUMNS[1:] if values[c])
            parsed.notes.append(f"{US_FILE}: line {row.line} not imported ({problem}): {shown}")
            continue
        delivery = _US_DELIVERY.match(values["years.delivered"])
        year = int(values["year"])
        _deal(
            parsed,
            row,
            recipient=_party("recipient", recipient, resolve(recipient, None, year)),
            supplier=_party("supplier", US_SUPPLIER, resolve(US_SUPPLIER, None, year)),
            designation=values["weapon"],
            description=values["weapon.des"],
            ordered=_count(row, "ordered"),
            delivered=_count(row, "delivered"),
            order_year=year,
            delivery=(
                (values["years.delivered"], int(delivery[1]), int(delivery[2] or delivery[1]))
                if delivery
                else (None, None, None)
            ),
            comments=values["comments"],
        )
    return parsed


def _us_problem(values: dict[str, str]) -> str | None:
    """Why a US data row cannot be read faithfully, or None."""
    if not _YEAR.match(values["year"]):
        return f"year of order {values['year']!r} is no year: the row is shifted"
    if values["years.delivered"] and not _US_DELIVERY.match(values["years.delivered"]):
        return f"years of delivery {values['years.delivered']!r} malformed"
    for column in ("ordered", "delivered"):
        if values[column] and not _NUMBER.match(values[column]):
            return f"{column} {values[column]!r} is not a number"
    if not values["weapon"]:
        return "no designation"
    return None
