"""(to be written)"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from taawun.core.clock import Clock
from taawun.registry.importers.run import Source


def plan(session: Session, data_dir: Path, clock: Clock) -> tuple[list[Source], list[str]]:
    return [], []
