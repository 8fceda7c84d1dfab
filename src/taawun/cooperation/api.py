"""The cooperation context's REST routers, assembled for ``web/app.py``."""

from __future__ import annotations

from fastapi import APIRouter

from taawun.cooperation.exercises.api import router as exercises
from taawun.cooperation.operations.api import router as operations
from taawun.cooperation.threats.api import router as threats
from taawun.cooperation.threats.api_common import router as common_values
from taawun.cooperation.training.api import router as training
from taawun.cooperation.transfers.api import router as transfers

router = APIRouter()
for part in (threats, operations, training, exercises, transfers):
    router.include_router(part)
router.include_router(common_values)
