"""`taawun transfers`: Technology exchange and military aid, live and from SIPRI's record.

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="Technology exchange and military aid, live and from SIPRI's record.")
