"""Node settings, from the environment.

``TAAWUN_HOME`` is the node's directory (default: the user's data directory);
``TAAWUN_DATABASE_URL`` selects the database (default: SQLite in ``TAAWUN_HOME``).
``TAAWUN_AUDIT_CHECKPOINT`` names the file the audit chain's checkpoints are appended to
(none by default), and ``TAAWUN_AUDIT_CHECKPOINT_EVERY`` how many seconds ``taawun serve``
lets pass between two of them (default 3600).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from taawun.core.errors import InvalidInput

DEFAULT_CHECKPOINT_EVERY = 3600


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    audit_checkpoint: Path | None = None
    audit_checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("TAAWUN_HOME") or user_data_dir("taawun", appauthor=False))
        url = os.environ.get("TAAWUN_DATABASE_URL") or f"sqlite:///{home / 'taawun.db'}"
        checkpoint = os.environ.get("TAAWUN_AUDIT_CHECKPOINT")
        return cls(
            home=home,
            database_url=url,
            host=os.environ.get("TAAWUN_HOST", "127.0.0.1"),
            port=int(os.environ.get("TAAWUN_PORT", "8000")),
            audit_checkpoint=Path(checkpoint) if checkpoint else None,
            audit_checkpoint_every=_seconds("TAAWUN_AUDIT_CHECKPOINT_EVERY"),
        )


def _seconds(name: str) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return DEFAULT_CHECKPOINT_EVERY
    if not text.isdigit() or int(text) == 0:
        raise InvalidInput(f"{name}: a whole number of seconds, at least 1", field=name, value=text)
    return int(text)
