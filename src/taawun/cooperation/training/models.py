"""ORM models of cooperation/training (to be written)."""

from __future__ import annotations
