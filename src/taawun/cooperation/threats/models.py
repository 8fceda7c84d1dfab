"""ORM models of cooperation/threats (to be written)."""

from __future__ import annotations
