"""FastAPI dependencies every context's router uses: the unit of work and the caller.

The request's work runs in one transaction (committed when the endpoint
returns, rolled back on any error), the caller authenticated first in it; a
failed authentication commits its failed-login record before the request fails.
Bearer tokens and HTTP Basic are accepted.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from taawun.access import service
from taawun.core.clock import Clock
from taawun.core.errors import Unauthenticated
from taawun.core.principal import Principal

T = TypeVar("T")
SESSION_STATE = "work_session"  # request.state attribute: the request's session, once opened


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    return factory


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def clock_dep(request: Request) -> Clock:
    """``async``: no I/O, so FastAPI runs it on the event loop instead of a worker thread."""
    return _clock(request)


def credentials_of(header: str | None) -> tuple[str, str]:
    """An ``Authorization`` header as (scheme in lower case, credentials)."""
    scheme, _, credentials = (header or "").partition(" ")
    return scheme.lower(), credentials.strip()


@dataclass(frozen=True, slots=True)
class Work:
    """A request's unit of work: who is calling, and the session it runs in."""

    principal: Principal
    session: Session


async def work_dep(request: Request) -> AsyncIterator[Work]:
    """One session and one transaction per request, the caller authenticated first in it.

    A failed authentication commits (its failed-login record) and fails the request; the
    request's work commits when the endpoint returns and is rolled back on any error.

    Where it runs: a worker-thread hop costs more than checking a bearer token (one indexed
    read) or committing, so those run here on the event loop and the endpoint's own work is
    the request's only hop. What can wait longer goes to a worker thread: HTTP Basic (argon2,
    tens of milliseconds by design, and its failures are written) and the once-a-minute
    ``last_used_at`` write (SQLite's write lock may be held by a writer)."""
    scheme, credentials = credentials_of(request.headers.get("authorization"))
    clock = _clock(request)
    session = _factory(request)()
    setattr(request.state, SESSION_STATE, session)  # for error handlers that must roll back
    try:
        if scheme == "bearer" and credentials:
            principal, due = service.check_token(session, token=credentials, clock=clock)
            if due is not None:  # at most once a minute: may wait for the write lock
                await run_in_threadpool(
                    partial(service.touch_token, session, token_id=due, clock=clock)
                )
        else:
            principal = await run_in_threadpool(
                _authenticate_keeping_failures, session, scheme, credentials, clock
            )
        try:
            yield Work(principal, session)
        except BaseException:
            session.rollback()
            raise
        session.commit()
    finally:
        session.close()


async def run_read(request: Request, read: Callable[[], T]) -> T:
    """Run a read's synchronous database work where it is cheapest.

    On SQLite (the embedded default) the database is in this process and, in WAL mode, a
    reader never waits for a writer: the read is CPU work like the rest of the request, and
    handing it to a worker thread costs more than a lookup by id does (one hop measured about
    1 ms per 1,000-object page on the benchmark machine; ``benchmarks/README.md``). So it runs
    here, on the event loop. On PostgreSQL a query waits on the network, so it goes to a
    worker thread. Only reads belong here: anything that may write (an audit entry) runs in
    a worker thread, where waiting for SQLite's write lock blocks no one else."""
    if request.app.state.inline_reads:
        return read()
    return await run_in_threadpool(read)


def _authenticate_keeping_failures(
    session: Session, scheme: str, credentials: str, clock: Clock
) -> Principal:
    try:
        return _authenticate(session, scheme, credentials, clock)
    except Unauthenticated:
        session.commit()  # keep the failed-login record written in its savepoint
        raise


def _authenticate(session: Session, scheme: str, credentials: str, clock: Clock) -> Principal:
    if scheme == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("malformed Basic credentials") from None
        username, _, password = decoded.partition(":")
        return service.authenticate_password(
            session, username=username, password=password, clock=clock
        )
    raise Unauthenticated("credentials required: a Bearer token or HTTP Basic")


# scope="function": the transaction commits before the response is sent, so a 2xx means
# stored (FastAPI's default would commit after the response has gone out).
WorkDep = Annotated[Work, Depends(work_dep, scope="function")]


async def session_dep(work: WorkDep) -> Session:
    """``async``: no I/O, so FastAPI runs it on the event loop instead of a worker thread."""
    return work.session


async def principal_dep(work: WorkDep) -> Principal:
    return work.principal


SessionDep = Annotated[Session, Depends(session_dep)]
PrincipalDep = Annotated[Principal, Depends(principal_dep)]
ClockDep = Annotated[Clock, Depends(clock_dep)]
