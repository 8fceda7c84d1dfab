"""What an import did, per source: rows read, rows inserted, updated and deleted, or skipped."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Counts:
    """Rows written to the database by one source (all its tables together)."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    def add(self, other: Counts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.deleted += other.deleted

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


@dataclass(slots=True)
class SourceReport:
    key: str
    rows: int
    sha256: str
    skipped: bool = False
    counts: Counts = field(default_factory=Counts)
    by_table: dict[str, Counts] = field(default_factory=dict)

    @property
    def inserted(self) -> int:
        return self.counts.inserted

    @property
    def updated(self) -> int:
        return self.counts.updated

    @property
    def deleted(self) -> int:
        return self.counts.deleted

    def record(self, table: str, counts: Counts) -> None:
        self.counts.add(counts)
        self.by_table.setdefault(table, Counts()).add(counts)


@dataclass(slots=True)
class ImportReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> SourceReport:
        return self.sources[key]

    @property
    def changed(self) -> bool:
        return any(s.counts.changed for s in self.sources.values())

    def summary(self) -> str:
        lines = []
        for s in self.sources.values():
            if s.skipped:
                lines.append(f"{s.key:<20} {s.rows:>6} rows read, unchanged (skipped)")
            else:
                lines.append(
                    f"{s.key:<20} {s.rows:>6} rows read, {s.inserted} inserted, "
                    f"{s.updated} updated, {s.deleted} deleted"
                )
        if not all(s.skipped for s in self.sources.values()):
            lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)
