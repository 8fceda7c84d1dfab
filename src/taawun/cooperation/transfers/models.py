"""ORM models of cooperation/transfers (to be written)."""

from __future__ import annotations
