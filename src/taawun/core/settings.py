"""Node settings, from the environment.

``TAAWUN_HOME`` is the node's directory (default: the user's data directory);
``TAAWUN_DATABASE_URL`` selects the database (default: SQLite in ``TAAWUN_HOME``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("TAAWUN_HOME") or user_data_dir("taawun", appauthor=False))
        url = os.environ.get("TAAWUN_DATABASE_URL") or f"sqlite:///{home / 'taawun.db'}"
        return cls(
            home=home,
            database_url=url,
            host=os.environ.get("TAAWUN_HOST", "127.0.0.1"),
            port=int(os.environ.get("TAAWUN_PORT", "8000")),
        )
