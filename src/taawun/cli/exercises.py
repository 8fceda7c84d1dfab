"""`taawun exercises`: Joint military exercises, live and from the MME record (1980-2010).

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="Joint military exercises, live and from the MME record (1980-2010).")
