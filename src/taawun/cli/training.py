"""`taawun training`: Reciprocal training programmes and the reciprocity ledger.

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="Reciprocal training programmes and the reciprocity ledger.")
