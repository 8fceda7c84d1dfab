"""Schemathesis over the node's own OpenAPI, in process: every REST operation, as an admin
and as a liaison, with data valid and invalid for the schema. No answer may be a server
error, and every status answered must be one the operation documents.

Bounded and reproducible: few examples per operation, derandomized (the same cases on
every run), no deadline. Analytics operations compute over two centuries of the record (a
second or more a call): they get fewer examples, as one user; every other operation gets
``MAX_EXAMPLES`` as each of ``USERS``. The node is this module's own (``node`` is module-scoped), so
what the cases write stays here; only the callers' own tokens are kept from being revoked.

The operations are collected from an application built the way the node's is (the
OpenAPI does not depend on the database); ``test_the_schema_is_the_nodes`` checks that
it is the live node's.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from taawun.access.models import ApiToken
from taawun.web.app import create_app

from .conftest import Node

USERS = ("tr.admin", "tr.liaison")
MAX_EXAMPLES = 8
ANALYTICS_EXAMPLES = 3
SPEC = create_app(engine=create_engine("sqlite://")).openapi()
ANALYTICS = r"^/api/v1/analytics/"
everything = schemathesis.openapi.from_dict(SPEC).include(path_regex=r"^/(api/v1/|health$)")
schema = everything.exclude(path_regex=ANALYTICS)
analytics = schemathesis.openapi.from_dict(SPEC).include(path_regex=ANALYTICS)


@pytest.fixture(scope="module")
def own_token_ids(node: Node) -> set[int]:
    with Session(node.engine) as session:
        return set(session.scalars(select(ApiToken.id)))


def test_the_schema_is_the_nodes(node: Node) -> None:
    assert node.client.app.openapi() == SPEC


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_status_documented(
    case: Any, node: Node, own_token_ids: set[int]
) -> None:
    if case.path_parameters and case.path_parameters.get("token_id") in own_token_ids:
        case.path_parameters["token_id"] = 0  # the callers' own tokens stay valid
    for user in USERS:
        response = case.call(app=node.client.app, headers=node.auth(user))
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance])


@analytics.parametrize()
@settings(
    max_examples=ANALYTICS_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_analytics_no_server_error_and_every_status_documented(case: Any, node: Node) -> None:
    response = case.call(app=node.client.app, headers=node.auth(USERS[1]))
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
