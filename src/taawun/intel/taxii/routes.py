"""TAXII 2.1 routes (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/taxii2", tags=["taxii"])
