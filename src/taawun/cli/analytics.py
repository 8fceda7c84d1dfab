"""``taawun analytics``: the analyst's questions, answered in the terminal.

The commands live in ``_analytics_network.py``, ``_analytics_similarity.py`` and
``_analytics_questions.py``, one module per part of analytics; each registers its commands
on ``app`` (and its tables on ``taawun export``). Analytics itself (numpy, networkx) is
imported when a command runs, not when the CLI starts.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The partnership network: measures, S-scores, profiles, dyads, blocs.",
    no_args_is_help=True,
)


def _register() -> None:
    from taawun.cli import (  # noqa: F401  (each registers its commands)
        _analytics_network,
        _analytics_questions,
        _analytics_similarity,
    )


_register()
