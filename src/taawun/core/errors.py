"""The one error tree of taawun.

Every failure a user can cause is a ``TaawunError``; ``web`` maps it once to an
HTTP status and JSON body, ``cli`` once to an exit code. Each error names what
was wrong (``field`` and ``value`` where there is one) so a message can point
at it.
"""

from __future__ import annotations

from collections.abc import Sequence


class TaawunError(Exception):
    """Base of every error taawun raises on purpose."""

    code = "error"
    http_status = 400
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        candidates: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.candidates = list(candidates)

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.value is not None:
            body["value"] = str(self.value)
        if self.candidates:
            body["candidates"] = self.candidates
        return body


class InvalidInput(TaawunError):
    """A value is malformed or out of range (HTTP 422)."""

    code = "invalid"
    http_status = 422
    exit_code = 2


class NotFound(TaawunError):
    """Nothing the caller may see answers to this name (HTTP 404).

    Raised alike for a missing object and one the caller may not see, so the
    answer leaks nothing.
    """

    code = "not_found"
    http_status = 404
    exit_code = 3


class Ambiguous(InvalidInput):
    """A name matches several things; ``candidates`` lists them."""

    code = "ambiguous"


class Conflict(TaawunError):
    """The request collides with what is stored (duplicate, wrong state) (HTTP 409)."""

    code = "conflict"
    http_status = 409
    exit_code = 4


class Unauthenticated(TaawunError):
    """No valid credentials (HTTP 401)."""

    code = "unauthenticated"
    http_status = 401
    exit_code = 5


class PermissionDenied(TaawunError):
    """The caller is known but may not do this (HTTP 403)."""

    code = "forbidden"
    http_status = 403
    exit_code = 6


class DataFileError(TaawunError):
    """A dataset file is missing, truncated or malformed; names file, line and problem."""

    code = "data_file"
    http_status = 500
    exit_code = 7

    def __init__(self, path: str, problem: str, *, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {problem}", field=path, value=line)
        self.path = path
        self.line = line
        self.problem = problem


class Unavailable(TaawunError):
    """The node cannot do this now (a store it needs is not answering); try again later."""

    code = "unavailable"
    http_status = 503
    exit_code = 10


class AuditChainBroken(TaawunError):
    """The audit log does not verify."""

    code = "audit_broken"
    http_status = 500
    exit_code = 8


class TooManyRequests(TaawunError):
    """Too many attempts (failed sign-ins) in a while; ``retry_after`` says how many seconds
    to wait (HTTP 429, with a ``Retry-After`` header)."""

    code = "too_many_requests"
    http_status = 429
    exit_code = 11

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after": self.retry_after}
