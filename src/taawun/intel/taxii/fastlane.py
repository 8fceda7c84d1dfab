"""A shorter way through the framework for the TAXII read hot path, on SQLite.

``GET .../collections/{id}/objects/`` (§5.4) and ``GET .../objects/{object_id}/``
(§5.6) are what TAXII clients poll. Through FastAPI, routing, the dependency tree and
the route's error wrapper cost about as much as the read itself: of ~2 ms in process for
a page of 1,000 objects, ~1 ms was SQLite and ~0.5 ms the framework around the endpoint.

The lane is ASGI middleware in front of the routers. For those two paths, with a bearer
token, it runs the endpoint's own steps with the same functions and in the same order
(``access.service.check_token``, ``objects.read_objects`` — collection, parameters, the
policy-filtered page — then ``objects.audit_read`` in a worker thread for a sensitive
page, the commit, ``pages.envelope``) and answers only when every step succeeded. On
anything else it answers nothing and the request goes through the application as if the
lane were not there, which answers it, errors included, exactly as before: no bearer
token, a token whose last use is due to be recorded (a write), an ``Accept`` that does
not admit TAXII, any parameter or collection the endpoint would refuse, any exception.
What it had done is rolled back first, so a declined request writes nothing twice.

Only where reads run inline (SQLite, ``access.deps.run_read``): on PostgreSQL the read
waits on the network and belongs in a worker thread, as the endpoint has it.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams, State
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from taawun.access import service as access
from taawun.access.deps import credentials_of
from taawun.intel.taxii.media import accepts_taxii
from taawun.intel.taxii.objects import audit_read, read_objects
from taawun.intel.taxii.pages import envelope
from taawun.intel.taxii.routes import PREFIX

# The two routes' paths as Starlette matches them (``{param}`` is ``[^/]+``).
_PATH = re.compile(re.escape(PREFIX) + r"/root/collections/([^/]+)/objects/(?:([^/]+)/)?")


class TaxiiFastLane:
    """ASGI middleware: answers the TAXII object reads it can, hands on everything else.
    ``state.fast_lane`` (default on) switches it; ``state.fast_lane_answers`` counts."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state
        state.fast_lane_answers = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope.get("root_path")
            and getattr(self.state, "fast_lane", True)
            and self.state.inline_reads
        ):
            match = _PATH.fullmatch(scope["path"])
            if match is not None:
                response = await self._answer(scope, match[1], match[2])
                if response is not None:
                    self.state.fast_lane_answers += 1
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _answer(
        self, scope: Scope, collection_id: str, object_id: str | None
    ) -> Response | None:
        headers = Headers(scope=scope)
        if not accepts_taxii(headers.get("accept")):
            return None
        scheme, credentials = credentials_of(headers.get("authorization"))
        if scheme != "bearer" or not credentials:
            return None
        clock = self.state.clock
        session = self.state.sessionmaker()
        try:
            principal, due = access.check_token(session, token=credentials, clock=clock)
            if due is not None:
                return None  # recording the token's use is a write: the endpoint's way
            read = read_objects(
                principal,
                session,
                clock,
                QueryParams(scope["query_string"]),
                collection_id=collection_id,
                object_id=object_id,
            )
            if read.page.sensitive:
                await run_in_threadpool(audit_read, principal, session, clock, read)
            response = envelope(read.page)
            session.commit()
            return response
        except Exception:
            session.rollback()
            return None
        finally:
            session.close()
