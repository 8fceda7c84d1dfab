"""Which of an answer's tables the CLI's ``--table`` and the API's ``?table=`` ask for
(``questions.history_tables``, ``bloc_tables``, ``brought_tables``). Plain enums, so that
the CLI's start imports them without analytics (numpy)."""

from __future__ import annotations

import enum


class HistoryTable(enum.StrEnum):
    YEARS = "years"
    CHANGES = "changes"


class BlocTable(enum.StrEnum):
    YEARS = "years"
    EXTERNAL = "external"
    BLOCS = "blocs"


class BroughtTable(enum.StrEnum):
    ARMS = "arms"
    ACTIVITY = "activity"
    EVENTS = "events"
