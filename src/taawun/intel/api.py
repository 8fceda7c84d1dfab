"""The intel REST router (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/intel", tags=["intel"])
