"""The share form (``/intel/share``): a STIX bundle uploaded or objects pasted, shared under
the agreements chosen, with the markings chosen, and the outcome of every object shown.

It calls what the REST API's ``POST /api/v1/intel/share`` calls: ``changes.marking_defaults``
(bad markings refuse the whole submission before any object is judged) and
``changes.share`` (each object accepted or refused on its own, with its reasons). The
agreements offered are those the user's state may share under today: the registry's
agreements covering intelligence sharing for it (``registry.covering_agreements``); the
release check still judges each one as the API does. The upload is bounded by the REST API's
body limit (``web.bodies.MAX_BODY_BYTES``) before the form is read.

A successful submission answers with its report (200), not a redirect: the report is the
answer to this submission and is kept nowhere; sending the same bundle again stores nothing
new (identical versions are reported as already there).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse

from taawun.access import service as access
from taawun.access.schemas import AgencyRead
from taawun.core.errors import InvalidInput
from taawun.core.integers import bounded_int, is_ascii_digits
from taawun.core.principal import Clearance, Principal
from taawun.intel import changes
from taawun.intel.markings import Tlp
from taawun.intel.schemas import ShareDefaults, ShareReport
from taawun.registry import service as registry
from taawun.registry.periods import Period
from taawun.registry.policy import SHARING_DOMAIN
from taawun.registry.schemas import AgreementSummary
from taawun.web.bodies import MAX_BODY_BYTES
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.templates import N_, gettext_for, language_of, render

router = APIRouter()

MAX_FIELDS: Final = 500  # form fields: agreements and recipients are checkboxes
TLP_CHOICES: Final[dict[str, str]] = {  # the form's value -> its label (FIRST TLP 2.0)
    "clear": "TLP:CLEAR",
    "green": "TLP:GREEN",
    "amber": "TLP:AMBER",
    "amber+strict": "TLP:AMBER+STRICT",
    "red": "TLP:RED",
}
CLASSIFICATION_LABELS: Final[dict[str, str]] = {
    "UNCLASSIFIED": N_("Unclassified"),
    "RESTRICTED": N_("Restricted"),
    "CONFIDENTIAL": N_("Confidential"),
    "SECRET": N_("Secret"),
    "TOP_SECRET": N_("Top secret"),
}
NOT_JSON = N_("%(field)s: this is not valid JSON (%(problem)s).")
NOT_OBJECTS = N_(
    "%(field)s: give a STIX bundle, a JSON list of objects or one object; this is neither."
)
NO_OBJECTS = N_("Upload a bundle or paste objects: there is nothing to share.")
BOTH_GIVEN = N_("Upload a bundle or paste objects, not both.")
TOO_LARGE = N_("The upload is larger than the limit of %(limit)s bytes.")
NOT_UTF8 = N_("%(field)s: the file is not UTF-8 text.")
assert {t.label for t in Tlp} == set(TLP_CHOICES.values())
assert set(CLASSIFICATION_LABELS) == {c.name for c in Clearance}


class UploadTooLarge(InvalidInput):
    """A share form over the REST API's body limit: refused before it is read."""

    http_status = 413


async def bounded_form(request: Request) -> FormData:
    """The share form, read only if its declared size is within ``MAX_BODY_BYTES`` (the
    server reads no more than it declares), with that limit for a pasted part too. Runs
    before the CSRF check, which then finds the form already read."""
    declared = request.headers.get("content-length", "")
    size = bounded_int(declared, maximum=MAX_BODY_BYTES) if is_ascii_digits(declared) else None
    if size is None:
        _ = gettext_for(language_of(request))
        limit = f"{MAX_BODY_BYTES:,}"
        raise UploadTooLarge(_(TOO_LARGE) % {"limit": limit}, field="bundle")
    return await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_BODY_BYTES)


ShareForm = Annotated[FormData, Depends(bounded_form)]


def sharing_agreements(user: Principal, session: Session, today: date) -> list[AgreementSummary]:
    """The agreements the user's state may share intelligence under today (in force, the
    state a party, intelligence sharing among their domains) that the user may see."""
    if user.state_id is None:
        return []
    return registry.covering_agreements(
        user,
        session,
        state_ids=[user.state_id],
        domains=[SHARING_DOMAIN],
        period=Period.day(today),
    )


def _agencies(user: Principal, session: Session) -> list[AgencyRead]:
    """The agencies a TLP:RED object may name as recipients (the node's, as the API's)."""
    return access.list_agencies(user, session)


def _form_context(
    request: Request, user: Principal, session: Session, chosen: dict[str, Any]
) -> dict[str, Any]:
    today = clock_of(request).now().date()
    agencies = _agencies(user, session)
    states = registry.state_refs(session, {a.state_id for a in agencies})
    return {
        "agreements": sharing_agreements(user, session, today),
        "agencies": agencies,
        "agency_states": states,
        "tlps": TLP_CHOICES,
        "classifications": {
            name: label
            for name, label in CLASSIFICATION_LABELS.items()
            if Clearance[name] <= user.clearance
        },
        "chosen": chosen,
        "max_bytes": MAX_BODY_BYTES,
    }


def _chosen(form: FormData | None) -> dict[str, Any]:
    """What the form was sent with (or its defaults), to show it again."""
    if form is None:
        return {
            "release_to": [],
            "tlp": "amber",
            "classification": "UNCLASSIFIED",
            "recipients": [],
            "release_to_all": False,
            "objects": "",
        }
    return {
        "release_to": [v for v in form.getlist("release_to") if isinstance(v, str)],
        "tlp": _text(form, "tlp") or "amber",
        "classification": _text(form, "classification") or "UNCLASSIFIED",
        "recipients": [v for v in form.getlist("recipients") if isinstance(v, str)],
        "release_to_all": _text(form, "release_to_all") == "on",
        "objects": _text(form, "objects"),
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.get("/intel/share", include_in_schema=False)
def share_page(request: Request, user: PageUserDep, session: PageSessionDep) -> HTMLResponse:
    """The share form."""
    return render(
        request, "intel_share.html.j2", _form_context(request, user, session, _chosen(None))
    )


@router.post("/intel/share", include_in_schema=False, dependencies=[Depends(bounded_form), CsrfDep])
def share(
    request: Request, form: ShareForm, user: PageUserDep, session: PageSessionDep
) -> HTMLResponse:
    """Share what was uploaded or pasted; the report of every object, or the form again
    with what was wrong with it (nothing written)."""
    chosen = _chosen(form)
    try:
        objects = _objects(request, form)
        data = ShareDefaults(
            release_to=chosen["release_to"],
            tlp=chosen["tlp"],
            classification=chosen["classification"],
            recipients=chosen["recipients"],
            release_to_all=chosen["release_to_all"],
        )
        defaults = changes.marking_defaults(data)
        report = changes.share(
            user, session, objects=objects, defaults=defaults, clock=clock_of(request)
        )
    except InvalidInput as refused:
        context = _form_context(request, user, session, chosen)
        context |= {"error_field": refused.field, "error_message": refused.message}
        return render(request, "intel_share.html.j2", context, status_code=400)
    context = _form_context(request, user, session, _chosen(None)) | {"report": _rows(report)}
    return render(request, "intel_share.html.j2", context)


def _objects(request: Request, form: FormData) -> list[Any]:
    """The objects of the uploaded bundle or of the pasted text (exactly one of them)."""
    _ = gettext_for(language_of(request))
    upload = form.get("bundle")
    pasted = _text(form, "objects").strip()
    uploaded = upload.file.read(MAX_BODY_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if uploaded and pasted:
        raise InvalidInput(_(BOTH_GIVEN), field="objects")
    if uploaded:
        try:
            return _parse(request, uploaded.decode("utf-8"), "bundle")
        except UnicodeDecodeError:
            raise InvalidInput(_(NOT_UTF8) % {"field": "bundle"}, field="bundle") from None
    if pasted:
        return _parse(request, pasted, "objects")
    raise InvalidInput(_(NO_OBJECTS), field="objects")


def _parse(request: Request, text: str, field: str) -> list[Any]:
    """A bundle's objects, a list of objects, or one object, from JSON ``text``."""
    _ = gettext_for(language_of(request))
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as bad:
        raise InvalidInput(_(NOT_JSON) % {"field": field, "problem": bad}, field=field) from None
    if isinstance(data, dict) and data.get("type") == "bundle":
        data = data.get("objects")
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InvalidInput(_(NOT_OBJECTS) % {"field": field}, field=field)
    return data


def _rows(report: ShareReport) -> dict[str, Any]:
    """The report as the page shows it: counts, and each object's outcome with its type."""
    return {
        "total": report.total,
        "stored": report.stored,
        "duplicates": report.duplicates,
        "failed": report.failed,
        "outcomes": [
            {
                "index": o.index,
                "id": o.id,
                "type": (o.id or "").partition("--")[0],
                "ok": o.ok,
                "duplicate": o.duplicate,
                "reasons": o.reasons,
            }
            for o in report.outcomes
        ],
    }
