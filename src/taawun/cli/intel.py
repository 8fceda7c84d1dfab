"""`taawun intel share|list|show|revoke|export` (being written)."""

import typer

app = typer.Typer(help="Intelligence shared under agreements (STIX 2.1).", no_args_is_help=True)
