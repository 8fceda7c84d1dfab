"""ORM models of cooperation/exercises (to be written)."""

from __future__ import annotations
