"""`taawun threats`: values and entities seen by two or more party states of an agreement.

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Shared threats: values and entities seen by two or more party states (correlation index)."
)
