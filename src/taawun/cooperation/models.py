"""The cooperation context's tables: importing this module registers every activity's
models on ``Base.metadata`` (each lives in its sub-package's ``models.py``)."""

from __future__ import annotations

from taawun.cooperation.exercises import models as exercises
from taawun.cooperation.operations import models as operations
from taawun.cooperation.threats import models as threats
from taawun.cooperation.threats import models_common as common_values  # noqa: F401
from taawun.cooperation.training import models as training
from taawun.cooperation.transfers import models as transfers

__all__ = ["exercises", "operations", "threats", "training", "transfers"]
