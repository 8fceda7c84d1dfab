"""`taawun ops`: Combined operations under agreements, and the historical record of UN deployments.

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Combined operations under agreements, and the historical record of UN deployments."
)
