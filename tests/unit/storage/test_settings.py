"""Settings.from_env: the environment picks the node's home and database."""

from __future__ import annotations

from pathlib import Path

import pytest

from taawun.core.settings import Settings


def test_home_and_default_sqlite_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TAAWUN_HOME", str(tmp_path))
    monkeypatch.delenv("TAAWUN_DATABASE_URL", raising=False)

    settings = Settings.from_env()

    assert settings.home == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'taawun.db'}"


def test_database_url_overrides_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = "postgresql://taawun@db.example:5432/taawun"
    monkeypatch.setenv("TAAWUN_HOME", str(tmp_path))
    monkeypatch.setenv("TAAWUN_DATABASE_URL", url)

    settings = Settings.from_env()

    assert settings.home == tmp_path
    assert settings.database_url == url


def test_without_home_uses_the_user_data_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAAWUN_HOME", raising=False)
    monkeypatch.delenv("TAAWUN_DATABASE_URL", raising=False)

    settings = Settings.from_env()

    assert settings.home.name == "taawun"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("taawun.db")
