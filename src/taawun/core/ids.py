"""Identifiers, injected: an ``IdFactory`` makes new ids so tests can fix them."""

from __future__ import annotations

import secrets
import uuid
from typing import NewType, Protocol

StateId = NewType("StateId", int)
OrganizationId = NewType("OrganizationId", int)
AgreementId = NewType("AgreementId", int)
AgencyId = NewType("AgencyId", int)
UserId = NewType("UserId", int)


class IdFactory(Protocol):
    def uuid(self) -> uuid.UUID: ...

    def token(self, nbytes: int = 32) -> str: ...


class RandomIds:
    def uuid(self) -> uuid.UUID:
        return uuid.uuid4()

    def token(self, nbytes: int = 32) -> str:
        return secrets.token_urlsafe(nbytes)


class SequentialIds:
    """Predictable ids for tests and golden files."""

    def __init__(self) -> None:
        self._n = 0

    def uuid(self) -> uuid.UUID:
        self._n += 1
        return uuid.UUID(int=self._n)

    def token(self, nbytes: int = 32) -> str:
        self._n += 1
        return f"tok{self._n:0{nbytes}d}"
