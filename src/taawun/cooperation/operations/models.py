"""ORM models of cooperation/operations (to be written)."""

from __future__ import annotations
