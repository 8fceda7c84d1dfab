"""What the analytics tests share: a confidential pact and the users of its parties (who
may see it) and of others (who may not), and the console entry point run as ``taawun``."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path
from typing import Final
from unittest import mock

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.cli.main import app
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

PACT_TITLE: Final = "Turkey–Pakistan defence and intelligence pact (test)"


def user_of(session: Session, state: str) -> Principal:
    """An analyst (cleared SECRET) of an agency of ``state``."""
    found = resolve_state(session, state)
    return Principal(
        user_id=UserId(1000 + found.id),
        username=f"analyst-{state.lower()}",
        agency_id=AgencyId(2000 + found.id),
        state_id=StateId(found.id),
        role=Role.ANALYST,
        clearance=Clearance.SECRET,
    )


def record_secret_pact(session: Session, title: str = PACT_TITLE) -> str:
    """A confidential Turkey–Pakistan defence and intelligence pact in force from 2024,
    recorded by the node: only its parties' users (and the node) may see it. Its reference,
    ``source source_id``."""
    created = changes.record_agreement(
        Principal.system_principal(),
        session,
        data=AgreementCreate(
            title=title,
            parties=["TUR", "PAK"],
            domains=["mutual_defense", "intelligence_sharing"],
            in_force=date(2024, 1, 1),
            confidential=True,
        ),
    )
    return f"{created.source} {created.source_id}"


def cli_env(engine: Engine, home: Path, **more: str) -> dict[str, str]:
    """The CLI's environment: ``engine``'s database (the analytics commands only read), its
    own home, and ``more`` (``COLUMNS="200"``: a wide terminal)."""
    return {
        "TAAWUN_HOME": str(home),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        **more,
    }


def entry_point(
    env: dict[str, str], argv: Sequence[str], stdout: io.StringIO | None = None
) -> tuple[int, str]:
    """Run the console entry point as ``taawun *argv`` (its mapping of errors to exit codes
    included): its exit code and its standard error."""
    err = io.StringIO()
    with (
        mock.patch.dict(os.environ, env),
        mock.patch.object(sys, "argv", ["taawun", *argv]),
        redirect_stdout(stdout or io.StringIO()),
        redirect_stderr(err),
    ):
        try:
            app()
        except SystemExit as exc:
            return (exc.code if isinstance(exc.code, int) else 1), err.getvalue()
    return 0, err.getvalue()


def refused(env: dict[str, str], *args: str, stdout: io.StringIO | None = None) -> tuple[int, str]:
    """``entry_point``, its standard error on one line (white space folded) when it failed."""
    code, err = entry_point(env, args, stdout)
    return (code, " ".join(err.split())) if code else (code, err)
