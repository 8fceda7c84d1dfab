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
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache, partial
from typing import Annotated, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from taawun.access import service
from taawun.core.clock import Clock
from taawun.core.errors import TooManyRequests, Unauthenticated
from taawun.core.principal import Principal
from taawun.storage.deferred import WriteGate, attach

T = TypeVar("T")
SESSION_STATE = "work_session"  # request.state attribute: the request's session, once opened


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    return factory


def clock_of(request: Request) -> Clock:
    """The node's clock (``app.state.clock``): the API's and the pages'."""
    clock: Clock = request.app.state.clock
    return clock


async def clock_dep(request: Request) -> Clock:
    """``async``: no I/O, so FastAPI runs it on the event loop instead of a worker thread."""
    return clock_of(request)


def credentials_of(header: str | None) -> tuple[str, str]:
    """An ``Authorization`` header as (scheme in lower case, credentials)."""
    scheme, _, credentials = (header or "").partition(" ")
    return scheme.lower(), credentials.strip()


@dataclass(frozen=True, slots=True)
class Work:
    """A request's unit of work: who is calling, and the session it runs in."""

    principal: Principal
    session: Session


# Methods that read. Every other method's request is a writer: it queues at the node's write
# gate and begins with the write lock (``storage.deferred.WriteGate``, ``engine.for_writes``).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def work_dep(request: Request) -> AsyncIterator[Work]:
    """One session and one transaction per request, the caller authenticated first in it.

    A request that writes (any method but GET, HEAD, OPTIONS) first waits for its turn at
    the write gate, off the event loop and without holding a worker thread or a connection;
    its transaction then begins with the write lock, so it cannot be refused it half way.
    A read begins without a lock, and what it leaves to record (a token's use, a refused
    read) goes to the deferred writer (``storage.deferred``), so a read never writes.

    Nothing here that can wait for the database runs on the event loop, so one slow
    request never holds up another: on PostgreSQL every statement, the commit and the
    close run in worker threads; on SQLite (the embedded default) a read's bearer check and
    commit run on the loop, where they cannot wait (WAL readers take no lock, and the pool
    never makes a request wait for a connection: ``storage.engine``), and a writer's
    run in threads. HTTP Basic (argon2, tens of milliseconds by design) always runs in a
    thread; its login record is a deferred write for a read, and the writer's own for a
    writer (``audit.record_soon``).

    A failed authentication keeps its failed-login record and fails the request; the
    request's work commits when the endpoint returns and is rolled back on any error."""
    async with request_transaction(request) as (session, inline):
        principal = await _caller(request, session, inline=inline)
        yield Work(principal, session)


@asynccontextmanager
async def request_transaction(request: Request) -> AsyncIterator[tuple[Session, bool]]:
    """The session of ``request`` and whether its work runs on the event loop (``inline``):
    a writer's turn at the write gate first; the transaction committed when the body ends,
    rolled back on any error, and the session closed either way (``work_dep`` says why;
    the web UI's pages use it too)."""
    state = request.app.state
    writes = request.method not in READ_METHODS
    inline = bool(state.inline_reads) and not writes
    async with _write_turn(state.write_gate, writes):
        session: Session = (state.write_sessionmaker if writes else _factory(request))()
        attach(session, state.deferred, writes=writes)
        setattr(request.state, SESSION_STATE, session)  # for error handlers that must roll back
        try:
            yield session, inline
        except BaseException:
            await run_inline(inline, partial(_end, session, commit=False))
            raise
        await run_inline(inline, partial(_end, session, commit=True))


def _end(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close, in one hop to a thread rather than two."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def run_inline(inline: bool, work: Callable[[], T]) -> T:
    """``work`` on the event loop (``inline``: SQLite's reads) or in a worker thread."""
    return work() if inline else await finish(work)


# Ending a transaction (commit, rollback, close) releases the locks it holds, so it must never
# wait for a worker thread behind requests that wait for those very locks; and writers that
# wait for their turn must not starve the readers of worker threads. Both run in threads
# counted apart from the worker threads that run endpoints.
_APART = 2_000


@cache
def _threads_apart() -> CapacityLimiter:
    return CapacityLimiter(_APART)  # made on first use, inside the event loop


async def finish(work: Callable[[], T]) -> T:
    """Run ``work`` (the end of a transaction) in a thread that no endpoint can hold up."""
    return await to_thread.run_sync(work, limiter=_threads_apart())


@asynccontextmanager
async def _write_turn(gate: WriteGate, writes: bool) -> AsyncIterator[None]:
    """Hold the write gate for the request, if it writes. Cancellation-safe: a wait that
    is cancelled still releases the gate once it got it."""
    if not writes:
        yield
        return
    held: list[bool] = []

    def take() -> None:
        gate.acquire()
        held.append(True)

    try:
        if gate.acquire(blocking=False):
            held.append(True)
        else:
            await to_thread.run_sync(take, limiter=_threads_apart())
        yield
    finally:
        if held:
            gate.release()


async def _caller(request: Request, session: Session, *, inline: bool) -> Principal:
    """Who is calling: a bearer token, or HTTP Basic; the token's due ``last_used_at``
    (at most once a minute) is handed to the deferred writer."""
    state = request.app.state
    clock = clock_of(request)
    scheme, credentials = credentials_of(request.headers.get("authorization"))
    if scheme == "bearer" and credentials:
        check = partial(service.check_token, session, token=credentials, clock=clock)
        principal, due = await run_inline(inline, check)
        if due is not None:
            state.deferred.submit(partial(service.touch_token, token_id=due, clock=clock))
        return principal
    source = request.client.host if request.client else None  # limits failed sign-ins
    return await run_in_threadpool(
        _authenticate_keeping_failures, session, scheme, credentials, clock, source
    )


def _authenticate_keeping_failures(
    session: Session, scheme: str, credentials: str, clock: Clock, source: str | None
) -> Principal:
    try:
        return _authenticate(session, scheme, credentials, clock, source)
    except (Unauthenticated, TooManyRequests):
        session.commit()  # a writer's: keep the failed-login (or login.limited) record
        raise


def _authenticate(
    session: Session, scheme: str, credentials: str, clock: Clock, source: str | None
) -> Principal:
    if scheme == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("malformed Basic credentials") from None
        username, _, password = decoded.partition(":")
        return service.authenticate_password(
            session, username=username, password=password, clock=clock, source=source
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
