"""Accounts: agencies, users, passwords, API tokens, logins, and reading the audit log.

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
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from taawun.access import audit, passwords, policy, repository, tokens
from taawun.access.authentication import (
    authenticate_password,
    authenticate_token,
    check_token,
    principal_for_user,
    principal_for_username,
    touch_token,
)
from taawun.access.checkpoints import Checkpoint, checkpoint, verify_checkpoints
from taawun.access.models import Agency, ApiToken, User
from taawun.access.restrict import Action
from taawun.access.schemas import (
    AgencyCreate,
    AgencyKind,
    AgencyRead,
    AuditEntryRead,
    AuditProblem,
    AuditReport,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
)
from taawun.core.clock import Clock, ensure_utc
from taawun.core.errors import Ambiguous, Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import IdFactory
from taawun.core.integers import INT32_MAX, bounded_int
from taawun.core.principal import Clearance, Principal

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


def _audit(
    session: Session,
    who: Principal,
    clock: Clock,
    what: str,
    target: tuple[str, int | None],
    *,
    before: BaseModel | None = None,
    after: BaseModel | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Who did what to which target, with the target before and after, in the caller's savepoint."""
    audit.record(
        session,
        principal=who,
        action=what,
        target_type=target[0],
        target_id=target[1],
        before=None if before is None else before.model_dump(mode="json"),
        after=None if after is None else after.model_dump(mode="json"),
        detail=detail,
        clock=clock,
    )


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
            _audit(
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
            _audit(
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


def _visible_user(principal: Principal, session: Session, username: str) -> User:
    """The user ``principal`` sees; another agency's user answers as a missing one."""
    user = repository.visible_user(session, principal, username)
    if user is None:
        raise NotFound(f"user: no user {username!r}", field="username", value=username)
    return user


def _above_clearance(
    principal: Principal, clearance: int, what: str, *, field: str, value: object
) -> PermissionDenied:
    """The refusal of ``policy.may_give_clearance``: ``what`` is refused ``clearance``."""
    return PermissionDenied(
        f"{field}: {principal.username} ({principal.clearance.name}) may not {what} "
        f"{Clearance(clearance).name}: an admin gives no clearance above their own",
        field=field,
        value=value,
    )


def _require_credentials(principal: Principal, user: User, act: str, what: str) -> None:
    """``policy.may_give_credentials``, refused with its reason: not the user's agency's
    administrator (``act``), or the user is cleared above them (``what``)."""
    if policy.may_give_credentials(
        principal, user_id=user.id, agency_id=user.agency_id, clearance=user.clearance
    ):
        return
    policy.require(principal, policy.administers(principal, user.agency_id), act)
    raise _above_clearance(principal, user.clearance, what, field="username", value=user.username)


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
        raise _above_clearance(
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
            _audit(session, principal, clock, "access.user.create", ("user", read.id), after=read)
    except IntegrityError:
        raise taken from None
    return read


def list_users(
    principal: Principal, session: Session, *, agency_id: int | None = None
) -> list[UserRead]:
    """The node operator sees every user; everyone else the users of their own agency."""
    found = repository.users(session, principal, agency_id=agency_id)
    return [UserRead.model_validate(u) for u in found]


def get_user(principal: Principal, session: Session, *, username: str) -> UserRead:
    return UserRead.model_validate(_visible_user(principal, session, username))


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
    user = _visible_user(principal, session, username)
    _require_credentials(
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
        if revoke_tokens:
            detail["revoked_tokens"] = repository.revoke_tokens_of(
                session, user_id=user.id, when=clock.now()
            )
        _audit(
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
    user = _visible_user(principal, session, username)
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
        read = UserRead.model_validate(user)
        _audit(
            session,
            principal,
            clock,
            f"access.user.{verb}",
            ("user", user.id),
            before=before,
            after=read,
        )
    return read


# --- tokens -----------------------------------------------------------------------------


def _token_read(token: ApiToken, username: str) -> TokenRead:
    fields = ("id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    return TokenRead.model_validate({"user": username} | {f: getattr(token, f) for f in fields})


def issue_token(
    principal: Principal,
    session: Session,
    *,
    username: str,
    name: str,
    expires_at: datetime | None = None,
    expires_in_days: int | None = None,
    clock: Clock,
    ids: IdFactory,
) -> TokenIssued:
    """A new bearer token for ``username`` (oneself, or, as the administrator of their
    agency, a user cleared no higher than oneself); shown only here.

    It expires at ``expires_at``, or ``expires_in_days`` days from now, or else
    ``tokens.DEFAULT_LIFETIME_DAYS`` from now; never more than ``tokens.MAX_LIFETIME_DAYS``
    ahead."""
    user = _visible_user(principal, session, username)
    _require_credentials(
        principal, user, "issue tokens for this user", "issue tokens for a user cleared"
    )
    if not user.active:
        raise Conflict(f"username: {username!r} is disabled", field="username", value=username)
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidInput("name: 1 to 80 characters", field="name", value=name)
    now = clock.now()
    expires = _expiry(now, expires_at=expires_at, expires_in_days=expires_in_days)
    new = tokens.new_token(ids)
    with session.begin_nested():
        token = ApiToken(
            user_id=user.id,
            name=name,
            prefix=new.prefix,
            token_hash=new.digest,
            created_at=now,
            expires_at=expires,
        )
        session.add(token)
        session.flush()
        read = _token_read(token, user.username)
        _audit(session, principal, clock, "access.token.issue", ("api_token", token.id), after=read)
    return TokenIssued(**read.model_dump(), token=new.plaintext)


def _expiry(now: datetime, *, expires_at: datetime | None, expires_in_days: int | None) -> datetime:
    """When a token issued ``now`` expires (``issue_token``); a time past the limits is
    refused naming the field, and the latest time accepted."""
    longest = tokens.MAX_LIFETIME_DAYS
    if expires_at is not None and expires_in_days is not None:
        raise InvalidInput(
            "expires_in_days: give expires_in_days or expires_at, not both",
            field="expires_in_days",
        )
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= longest:
            raise InvalidInput(
                f"expires_in_days: 1 to {longest} days",
                field="expires_in_days",
                value=expires_in_days,
            )
        return now + timedelta(days=expires_in_days)
    if expires_at is None:
        return now + timedelta(days=tokens.DEFAULT_LIFETIME_DAYS)
    if expires_at.tzinfo is None:
        raise InvalidInput(
            "expires_at: give a time zone, e.g. 2027-03-31T00:00:00Z",
            field="expires_at",
            value=expires_at.isoformat(),
        )
    latest = now + timedelta(days=longest)
    when = ensure_utc(expires_at)
    if when <= now:
        raise InvalidInput(
            f"expires_at: must be in the future (it is {now.isoformat()} now)",
            field="expires_at",
            value=expires_at.isoformat(),
        )
    if when > latest:
        raise InvalidInput(
            f"expires_at: at most {longest} days ahead, {latest.isoformat()} at the latest",
            field="expires_at",
            value=expires_at.isoformat(),
        )
    return when


def list_tokens(
    principal: Principal, session: Session, *, username: str | None = None
) -> list[TokenRead]:
    """The tokens the principal may see, with their last use (never a token or its
    digest): one's own; an admin's, those of their agency's users; the node operator's,
    every one. ``username`` narrows to one user's."""
    user_id = None
    if username is not None:
        user = _visible_user(principal, session, username)
        policy.require(
            principal,
            policy.may_act_for(principal, user_id=user.id, agency_id=user.agency_id),
            "list this user's tokens",
        )
        user_id = user.id
    return [_token_read(t, u) for t, u in repository.tokens(session, principal, user_id=user_id)]


def revoke_token(
    principal: Principal, session: Session, *, token_id: int, clock: Clock
) -> TokenRead:
    """Revoke a token: one's own, or as the administrator of its user's agency. A token of
    a user the principal does not see answers as a missing one."""
    missing = NotFound(f"token: no token with id {token_id}", field="token", value=token_id)
    found = repository.token_by_id(session, token_id) if 0 < token_id <= INT32_MAX else None
    if found is None:
        raise missing
    token, username, agency_id = found
    if repository.visible_user(session, principal, username) is None:
        raise missing
    policy.require(
        principal,
        policy.may_act_for(principal, user_id=token.user_id, agency_id=agency_id),
        "revoke this token",
    )
    if token.revoked_at is not None:
        raise Conflict(f"token: {token_id} is already revoked", field="token", value=token_id)
    before = _token_read(token, username)
    with session.begin_nested():
        token.revoked_at = clock.now()
        session.flush()
        read = _token_read(token, username)
        _audit(
            session,
            principal,
            clock,
            "access.token.revoke",
            ("api_token", token.id),
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
    principal: Principal, session: Session, *, limit: int = 100, action: str | None = None
) -> list[AuditEntryRead]:
    """The newest entries the caller may read first (``policy.AuditPolicy``: the node
    operator all; an admin those about their own agency within their clearance); ``action``
    matches exactly or as a dotted prefix."""
    policy.require(principal, policy.may_read_audit(principal), "read the audit log")
    if not 1 <= limit <= MAX_AUDIT_LIMIT:
        raise InvalidInput(f"limit: 1 to {MAX_AUDIT_LIMIT}", field="limit", value=limit)
    entries = repository.audit_entries(session, principal, limit=limit, action=action)
    return [AuditEntryRead.model_validate(e) for e in entries]


__all__ = [
    "authenticate_password",
    "authenticate_token",
    "check_token",
    "principal_for_user",
    "principal_for_username",
    "touch_token",
]
