"""A shorter way through the framework for the TAXII read hot path, on SQLite.

``GET .../collections/{id}/objects/`` (§5.4) and ``GET .../objects/{object_id}/``
(§5.6) are what TAXII clients poll. Through FastAPI, routing, the dependency tree and
the route's error wrapper cost about as much as the read itself: of ~2 ms in process for
a page of 1,000 objects, ~1 ms was SQLite and ~0.5 ms the framework around the endpoint.

The lane is ASGI middleware in front of the routers. For those two paths, with a bearer
token, it checks the token (``access.service.check_token``) and runs the endpoints' own
function, ``objects.answer_objects`` (collection, parameters, the policy-filtered page,
the audit of a sensitive page in a worker thread, the envelope), then commits. A refusal
one of them raises (an unknown collection or object, a bad parameter, a bad token) it
answers as the endpoint does, with
``errors.render``, the function ``TaxiiRoute`` answers with: declining would run the
request twice, and record what the first run recorded (a refused read) twice. On anything
else it answers nothing and the request goes through the application as if the lane were
not there: no bearer token, an ``Accept`` that does not admit TAXII, an unexpected
exception (rolled back first, so a declined request writes nothing twice; logged with its
traceback and counted, so that a bug here shows as more than a slower request).

Only where reads run inline (SQLite: ``inline_reads`` in ``web/app.py``): on PostgreSQL the
read waits on the network and belongs in a worker thread, as the endpoint has it.
"""

from __future__ import annotations

import logging
import re
from functools import partial

from starlette.datastructures import Headers, QueryParams, State
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from taawun.access import service as access
from taawun.access.deps import credentials_of
from taawun.core.errors import TaawunError
from taawun.intel.taxii.errors import render
from taawun.intel.taxii.media import accepts_taxii
from taawun.intel.taxii.objects import answer_objects
from taawun.intel.taxii.routes import PREFIX
from taawun.storage.deferred import attach

log = logging.getLogger(__name__)

# The two routes' paths as Starlette matches them (``{param}`` is ``[^/]+``).
_PATH = re.compile(re.escape(PREFIX) + r"/root/collections/([^/]+)/objects/(?:([^/]+)/)?")


class TaxiiFastLane:
    """ASGI middleware: answers the TAXII object reads it can, hands on everything else.
    ``state.fast_lane`` (default on) switches it; ``state.fast_lane_answers`` counts what
    it answered, ``state.fast_lane_declines`` what it declined after an unexpected error."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state
        state.fast_lane_answers = 0
        state.fast_lane_declines = 0  # after an unexpected error (logged)

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
        attach(session, self.state.deferred, writes=False)
        try:
            principal, due = access.check_token(session, token=credentials, clock=clock)
            if due is not None:  # recorded by the deferred writer, as ``work_dep`` does
                self.state.deferred.submit(partial(access.touch_token, token_id=due, clock=clock))
            response = await answer_objects(
                principal,
                session,
                clock,
                QueryParams(scope["query_string"]),
                collection_id=collection_id,
                object_id=object_id,
                inline=True,
            )
            session.commit()
            return response
        except TaawunError as exc:
            # The endpoint's own answer (``TaxiiRoute``): declining instead would run the
            # request twice, and what the first run recorded (a refused read) twice.
            session.rollback()
            return render(exc)
        except Exception:
            # Not expected: the application answers it (and a bug here must not hide as a
            # slower request: it is logged with its traceback and counted).
            session.rollback()
            self.state.fast_lane_declines += 1
            log.exception("TAXII fast lane: declined %s after an unexpected error", scope["path"])
            return None
        finally:
            session.close()
