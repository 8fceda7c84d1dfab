"""Who is asking: the one value every service function takes first."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from taawun.core.ids import AgencyId, StateId, UserId


class Role(enum.StrEnum):
    ADMIN = "admin"
    LIAISON = "liaison"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Clearance(enum.IntEnum):
    """Classification levels, ordered: a clearance reads what is at or below it."""

    UNCLASSIFIED = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SECRET = 3
    TOP_SECRET = 4

    @classmethod
    def parse(cls, value: str | int | Clearance) -> Clearance:
        from taawun.core.errors import InvalidInput

        if isinstance(value, Clearance):
            return value
        if isinstance(value, int):
            try:
                return cls(value)
            except ValueError:
                raise InvalidInput(
                    f"unknown classification level {value!r}", field="clearance", value=value
                ) from None
        key = value.strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls[key]
        except KeyError:
            raise InvalidInput(
                f"unknown classification level {value!r}; expected one of "
                + ", ".join(c.name for c in cls),
                field="clearance",
                value=value,
                candidates=[c.name for c in cls],
            ) from None


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user, as services see them.

    ``system`` principals (importers, the node itself) act outside any agency:
    they see every public and confidential record and are recorded as
    ``system`` in the audit log.
    """

    user_id: UserId | None
    username: str
    agency_id: AgencyId | None
    state_id: StateId | None
    role: Role
    clearance: Clearance
    system: bool = False

    @classmethod
    def system_principal(cls, name: str = "system") -> Principal:
        return cls(
            user_id=None,
            username=name,
            agency_id=None,
            state_id=None,
            role=Role.ADMIN,
            clearance=Clearance.TOP_SECRET,
            system=True,
        )

    @classmethod
    def public(cls) -> Principal:
        """Nobody in particular: sees what is public and nothing else."""
        return cls(
            user_id=None,
            username="public",
            agency_id=None,
            state_id=None,
            role=Role.VIEWER,
            clearance=Clearance.UNCLASSIFIED,
        )

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
