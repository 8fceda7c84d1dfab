"""Accounts: agencies, users, passwords, logins, and reading the audit log (API tokens are
``token_service.py``, and the steps both share ``_accounts.py``).

Every function takes the ``principal`` first (authentication, which finds the
principal, takes the session first), returns schemas, and never commits: the
caller owns the transaction. Each write runs in ``session.begin_nested()`` and
records an audit entry inside it, so a rejected request leaves the database as
it was and an accepted one is never stored without its audit entry.

Who may do what is ``policy``: the node operator administers every agency, an admin
their own (another agency's user answers as a missing one), anyone else their own
password and tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from taawun.access import audit, hooks, passwords, policy, repository
from taawun.access._accounts import (
    above_clearance,
    record_audit,
    require_credentials,
    visible_user,
)
from taawun.access.authentication import (
    authenticate_password,
    authenticate_token,
    check_token,
    principal_for_user,
    principal_for_username,
    touch_token,
)
from taawun.access.checkpoints import Checkpoint, checkpoint, verify_checkpoints
from taawun.access.models import Agency, User
from taawun.access.restrict import Action
from taawun.access.schemas import (
    AgencyCreate,
    AgencyKind,
    AgencyRead,
    AuditEntryRead,
    AuditProblem,
    AuditReport,
    UserCreate,
    UserRead,
)
from taawun.core.clock import Clock
from taawun.core.errors import Ambiguous, Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.integers import INT32_MAX, bounded_int
from taawun.core.principal import Principal

MAX_AUDIT_LIMIT = 1000

M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], **values: object) -> M:
    """Build ``model``; a Pydantic error becomes ``InvalidInput`` naming the first bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from None


# --- agencies ---------------------------------------------------------------------------


def create_agency(
    principal: Principal,
    session: Session,
    *,
    state_id: int,
    name: str,
    kind: str | AgencyKind = AgencyKind.OTHER,
    clock: Clock,
) -> AgencyRead:
    policy.require(principal, policy.may_manage_agencies(principal), "create agencies")
    data = _validated(AgencyCreate, state_id=state_id, name=name, kind=kind)

    taken = Conflict(f"name: {data.name!r} exists in this state", field="name", value=data.name)
    if not 0 < data.state_id <= INT32_MAX:  # no id column holds it: no state has it
        raise NotFound(f"state: no state with id {state_id}", field="state", value=state_id)
    if repository.agency_named(session, data.state_id, data.name) is not None:
        raise taken
    try:
        with session.begin_nested():
            agency = Agency(
                state_id=data.state_id, name=data.name, kind=data.kind, created_at=clock.now()
            )
            session.add(agency)
            session.flush()
            read = AgencyRead.model_validate(agency)
            record_audit(
                session, principal, clock, "access.agency.create", ("agency", read.id), after=read
            )
    except IntegrityError:
        if repository.agency_named(session, data.state_id, data.name) is not None:
            raise taken from None
        raise NotFound(
            f"state: no state with id {state_id}", field="state", value=state_id
        ) from None
    return read


def list_agencies(
    principal: Principal, session: Session, *, state_id: int | None = None
) -> list[AgencyRead]:
    found = repository.agencies(session, principal, state_id=state_id)
    return [AgencyRead.model_validate(a) for a in found]


def get_agency(principal: Principal, session: Session, *, agency_id: int) -> AgencyRead:
    agency = repository.visible_agency(session, principal, agency_id)
    if agency is None:
        raise NotFound(f"agency: no agency with id {agency_id}", field="agency", value=agency_id)
    return AgencyRead.model_validate(agency)


def find_agency(principal: Principal, session: Session, *, ref: str) -> AgencyRead:
    """An agency by id or by name (case-insensitive); an ambiguous name lists the candidates."""
    text = ref.strip()
    if (agency_id := bounded_int(text, maximum=INT32_MAX)) is not None:
        return get_agency(principal, session, agency_id=agency_id)
    found = [a for a in list_agencies(principal, session) if a.name.casefold() == text.casefold()]
    if len(found) == 1:
        return found[0]
    if found:
        raise Ambiguous(
            f"agency: {ref!r} names several agencies; give the id",
            field="agency",
            value=ref,
            candidates=[f"{a.id}: {a.name} (state {a.state_id})" for a in found],
        )
    raise NotFound(f"agency: no agency named {ref!r}", field="agency", value=ref)


AgencyHolder = Callable[[Session, int], str | None]
_AGENCY_HOLDERS: dict[str, AgencyHolder] = {}


def hold_agencies(context: str, holder: AgencyHolder) -> None:
    """Let a context above this one keep the agencies it holds from being removed.

    Intel objects are owned by agencies and name them as recipients, but access may not
    import intel (the layer contract in pyproject.toml: access sits below every context).
    So the dependency is turned around: ``intel.service`` registers ``holder`` when it is
    imported (the web app and ``taawun agency remove`` import it), and ``remove_agency``
    asks each holder what it holds of the agency: a phrase (``"owns 3 intel objects"``),
    or None. Were a holder missing, the database would still refuse (those foreign keys
    are ``RESTRICT``), with a plainer message. ``context`` names the holder, so that
    importing a module again replaces it rather than asking twice."""
    _AGENCY_HOLDERS[context] = holder


def remove_agency(
    principal: Principal, session: Session, *, agency_id: int, clock: Clock
) -> AgencyRead:
    """Remove an agency that nothing holds: for one added by mistake.

    An agency with users is refused, active or disabled: a user is never deleted (the
    audit log names them, and an id used again would hand their entries to someone else),
    so an agency that has served is retired by disabling its users, and stays with them.
    One that owns intel, or is a named recipient of it, is refused too (``hold_agencies``).
    The node operator removes any agency, an admin only their own (which they are a user
    of, so never in fact). Returns the agency as it was."""
    missing = NotFound(f"agency: no agency with id {agency_id}", field="agency", value=agency_id)
    if not 0 < agency_id <= INT32_MAX:  # no id column holds it: no agency has it
        raise missing
    if repository.visible_agency(session, principal, agency_id) is None:
        raise missing
    policy.require(principal, policy.may_manage_agencies(principal), "remove agencies")
    agency = repository.visible_agency(session, principal, agency_id, action=Action.CHANGE)
    if agency is None:
        raise PermissionDenied(
            f"agency: {principal.username} may remove no agency but their own",
            field="agency",
            value=agency_id,
        )
    before = AgencyRead.model_validate(agency)
    users, active = repository.agency_users(session, principal, agency.id)
    if users:
        raise Conflict(
            f"agency: {before.name!r} has {_counted(users, 'user')} ({active} active); an "
            "agency that has had users is kept with them for the audit trail: disable its "
            "users instead",
            field="agency",
            value=agency_id,
        )
    held = [why for holder in _AGENCY_HOLDERS.values() if (why := holder(session, agency.id))]
    if held:
        raise Conflict(
            f"agency: {before.name!r} {' and '.join(held)}; it can be removed only once "
            "nothing names it",
            field="agency",
            value=agency_id,
        )
    try:
        with session.begin_nested():
            repository.delete_agency(session, agency)
            record_audit(
                session,
                principal,
                clock,
                "access.agency.remove",
                ("agency", before.id),
                before=before,
            )
    except IntegrityError:
        raise Conflict(
            f"agency: other records still name {before.name!r}; it cannot be removed",
            field="agency",
            value=agency_id,
        ) from None
    return before


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# --- users ------------------------------------------------------------------------------


def create_user(
    principal: Principal, session: Session, *, data: UserCreate, clock: Clock
) -> UserRead:
    policy.require(principal, policy.may_manage_users(principal), "create users")
    password_hash = passwords.hash_password(data.password.get_secret_value())
    in_range = 0 < data.agency_id <= INT32_MAX  # no id column holds another: no agency has it
    if not in_range or repository.agency_by_id(session, data.agency_id) is None:
        raise NotFound(
            f"agency: no agency with id {data.agency_id}", field="agency", value=data.agency_id
        )
    if not policy.administers(principal, data.agency_id):
        raise PermissionDenied(
            f"agency: {principal.username} may create users only in their own agency",
            field="agency",
            value=data.agency_id,
        )
    if not policy.may_give_clearance(principal, data.clearance):
        raise above_clearance(
            principal,
            data.clearance,
            "create a user cleared",
            field="clearance",
            value=data.clearance.name,
        )
    taken = Conflict(f"username: {data.username!r} is taken", field="username", value=data.username)
    if repository.user_by_username(session, data.username) is not None:
        raise taken
    try:
        with session.begin_nested():
            user = User(
                username=data.username,
                agency_id=data.agency_id,
                role=data.role.value,
                clearance=int(data.clearance),
                password_hash=password_hash,
                active=True,
                created_at=clock.now(),
            )
            session.add(user)
            session.flush()
            read = UserRead.model_validate(user)
            record_audit(
                session, principal, clock, "access.user.create", ("user", read.id), after=read
            )
    except IntegrityError:
        raise taken from None
    return read


def list_users(
    principal: Principal,
    session: Session,
    *,
    agency_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[UserRead]:
    """The node operator sees every user; everyone else the users of their own agency. By
    name; ``offset`` and ``limit`` page them (``count_users`` counts them)."""
    found = repository.users(session, principal, agency_id=agency_id, offset=offset, limit=limit)
    return [UserRead.model_validate(u) for u in found]


def count_users(principal: Principal, session: Session, *, agency_id: int | None = None) -> int:
    """How many users ``list_users`` gives, through the same rule."""
    return repository.count_users(session, principal, agency_id=agency_id)


def get_user(principal: Principal, session: Session, *, username: str) -> UserRead:
    return UserRead.model_validate(visible_user(principal, session, username))


def set_password(
    principal: Principal,
    session: Session,
    *,
    username: str,
    password: str,
    current_password: str | None = None,
    revoke_tokens: bool = False,
    clock: Clock,
) -> UserRead:
    """Change a password: one's own (giving the current one), or, as the administrator of
    their agency, a user's cleared no higher than oneself (a reset).

    The user's tokens keep working unless ``revoke_tokens``: then every one of them is
    revoked in the same step, as after a suspected compromise (a password reset alone
    leaves a stolen token working). The audit entry names the tokens revoked."""
    user = visible_user(principal, session, username)
    require_credentials(
        principal, user, "set this user's password", "set the password of a user cleared"
    )
    if policy.is_self(principal, user.id) and not (
        current_password is not None
        and user.password_hash is not None
        and passwords.verify_password(user.password_hash, current_password)
    ):
        raise PermissionDenied(
            "current_password: the current password is required and must match",
            field="current_password",
        )
    new_hash = passwords.hash_password(password)
    detail: dict[str, object] = {
        "username": user.username,
        "by_self": policy.is_self(principal, user.id),
    }
    with session.begin_nested():
        user.password_hash = new_hash
        session.flush()
        if not detail["by_self"]:  # a reset: whoever held a session of theirs is out
            hooks.withdrawn(session, user.id)
        if revoke_tokens:
            detail["revoked_tokens"] = repository.revoke_tokens_of(
                session, user_id=user.id, when=clock.now()
            )
        record_audit(
            session, principal, clock, "access.user.set_password", ("user", user.id), detail=detail
        )
    return UserRead.model_validate(user)


def disable_user(
    principal: Principal, session: Session, *, username: str, clock: Clock
) -> UserRead:
    """Stop the user's password and tokens at once: every request is authenticated afresh
    (nothing is cached), and ``authentication`` refuses an inactive user's. The row stays
    for the audit trail, and the tokens with it: ``enable_user`` brings back those not
    revoked or expired meanwhile. An admin cannot disable themselves."""
    return _set_active(principal, session, username=username, active=False, clock=clock)


def enable_user(principal: Principal, session: Session, *, username: str, clock: Clock) -> UserRead:
    """Let a disabled user sign in again, with their password and unexpired, unrevoked tokens."""
    return _set_active(principal, session, username=username, active=True, clock=clock)


deactivate_user = disable_user  # its name before there was ``enable_user``


def _set_active(
    principal: Principal, session: Session, *, username: str, active: bool, clock: Clock
) -> UserRead:
    verb = "enable" if active else "disable"
    user = visible_user(principal, session, username)
    policy.require(principal, policy.administers(principal, user.agency_id), f"{verb} users")
    if not active and policy.is_self(principal, user.id):
        raise Conflict(
            "username: an administrator cannot disable themselves", field="username", value=username
        )
    if user.active is active:
        raise Conflict(
            f"username: {username!r} is already {verb}d", field="username", value=username
        )
    before = UserRead.model_validate(user)
    with session.begin_nested():
        user.active = active
        session.flush()
        if not active:
            hooks.withdrawn(session, user.id)
        read = UserRead.model_validate(user)
        record_audit(
            session,
            principal,
            clock,
            f"access.user.{verb}",
            ("user", user.id),
            before=before,
            after=read,
        )
    return read


# --- audit ------------------------------------------------------------------------------


HIDDEN_PROBLEM = "the chain is broken in entries you may not read: ask the node's operator"


def verify_audit(
    principal: Principal, session: Session, *, checkpoints: Sequence[Checkpoint] = ()
) -> AuditReport:
    """The chain's problems, then each of ``checkpoints`` no longer in the chain as it was."""
    policy.require(principal, policy.may_read_audit(principal), "verify the audit log")
    report = audit.verify_chain(session)
    problems = [*report.problems, *verify_checkpoints(session, checkpoints)]
    if principal.system:  # the node operator: the whole chain
        return AuditReport(
            entries=report.entries,
            ok=not problems,
            problems=[AuditProblem(seq=p.seq, problem=p.problem) for p in problems],
        )
    # An admin: whether the chain holds, and where, among the entries they may read only:
    # neither the count nor the numbers of the others.
    visible = repository.visible_audit_seqs(session, principal, [p.seq for p in problems])
    shown = [AuditProblem(seq=p.seq, problem=p.problem) for p in problems if p.seq in visible]
    if len(shown) < len(problems):
        shown.append(AuditProblem(seq=None, problem=HIDDEN_PROBLEM))
    return AuditReport(
        entries=repository.audit_count(session, principal), ok=not problems, problems=shown
    )


def checkpoint_audit(principal: Principal, session: Session, *, clock: Clock) -> Checkpoint | None:
    """The head of the audit chain now, to be kept outside the database; None while empty."""
    policy.require(principal, policy.may_read_audit(principal), "checkpoint the audit log")
    return checkpoint(session, clock=clock)


def list_audit(
    principal: Principal,
    session: Session,
    *,
    limit: int = 100,
    action: str | None = None,
    actor: str | None = None,
    before: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntryRead]:
    """The newest entries the caller may read first (``policy.AuditPolicy``: the node
    operator all; an admin those about their own agency within their clearance); ``action``
    matches exactly or as a dotted prefix, ``actor`` exactly; ``before`` is a page's last
    ``seq``, for the page after it; ``since``/``until`` bound the time (``until`` excluded)."""
    policy.require(principal, policy.may_read_audit(principal), "read the audit log")
    if not 1 <= limit <= MAX_AUDIT_LIMIT:
        raise InvalidInput(f"limit: 1 to {MAX_AUDIT_LIMIT}", field="limit", value=limit)
    if since is not None and until is not None and until <= since:
        raise InvalidInput("until: must be after since", field="until", value=until.isoformat())
    entries = repository.audit_entries(
        session,
        principal,
        limit=limit,
        action=action,
        actor=actor,
        before_seq=before,
        since=since,
        until=until,
    )
    return [AuditEntryRead.model_validate(e) for e in entries]


__all__ = [
    "authenticate_password",
    "authenticate_token",
    "check_token",
    "principal_for_user",
    "principal_for_username",
    "touch_token",
]
