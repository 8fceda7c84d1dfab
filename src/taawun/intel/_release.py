"""Checking a release before it is stored: the owner may release only under agreements that
would let the parties read it (docs/architecture.md, "The release policy"), and name TLP:RED
recipients that exist."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.core.errors import InvalidInput, PermissionDenied
from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits
from taawun.core.principal import Clearance, Principal
from taawun.intel.collections import agreement_for_collection
from taawun.intel.markings import Markings, Tlp
from taawun.registry import service as registry
from taawun.registry.policy import SHARING_DOMAIN, is_in_force_on, spell_covers_day
from taawun.registry.schemas import AgreementRead


class ReleaseChecker:
    """Resolves and checks release lists and recipients, caching per reference."""

    def __init__(
        self, principal: Principal, session: Session, day: date, kept: Iterable[int] = ()
    ) -> None:
        """``kept``: agreements the object is already released under, kept as they are by
        its owner's revocation or narrowed release list: keeping (or removing) a release
        needs none of the checks a new one does, so it stays possible when an agreement has
        since been suspended or its ceiling lowered."""
        self.principal = principal
        self.session = session
        self.day = day
        self.kept = frozenset(kept)
        self._agreements: dict[str, AgreementRead] = {}
        self._agencies: dict[str, int] = {}
        self._ceilings: dict[tuple[int, ...], Clearance] = {}

    def agreement(self, ref: str) -> AgreementRead:
        if ref not in self._agreements:
            agreement_id = agreement_for_collection(self.principal, self.session, ref)
            self._agreements[ref] = registry.get_agreement(
                self.principal, self.session, ref=agreement_id if agreement_id is not None else ref
            )
        return self._agreements[ref]

    def with_collection(self, marks: Markings, agreement_id: int) -> Markings:
        return replace(marks, release_to=(*marks.release_to, str(agreement_id)))

    def ceiling(self, agreement_ids: list[int]) -> Clearance:
        """The lowest ceiling among already-checked agreements (TOP_SECRET when there are none)."""
        key = tuple(agreement_ids)
        found = self._ceilings.get(key)
        if found is None:
            ceilings = [
                Clearance.parse(a.sharing_ceiling or "UNCLASSIFIED")
                for a in self._agreements.values()
                if a.id in agreement_ids
            ]
            found = self._ceilings[key] = min(ceilings, default=Clearance.TOP_SECRET)
        return found

    def check_release(self, marks: Markings) -> list[int]:
        if marks.release_to_all and marks.tlp is not Tlp.CLEAR:
            raise InvalidInput(
                "release_to_all: only TLP:CLEAR objects may be released to everyone",
                field="release_to_all",
            )
        ids: list[int] = []
        for ref in marks.release_to:
            kept = bounded_int(ref, maximum=INT32_MAX) if is_ascii_digits(ref) else None
            if kept is not None and kept in self.kept:
                if kept not in ids:
                    ids.append(kept)
                continue
            agreement = self.agreement(ref)
            self._check(agreement, marks.classification)
            if agreement.id not in ids:
                ids.append(agreement.id)
        return ids

    def check_clearance(self, marks: Markings) -> None:
        """A user shares nothing classified above their own clearance: they could not read
        it back (nor should they hold it)."""
        if marks.classification > self.principal.clearance:
            raise PermissionDenied(
                f"classification: {marks.classification.name} is above your clearance "
                f"({self.principal.clearance.name})",
                field="classification",
                value=marks.classification.name,
            )

    def _check(self, agreement: AgreementRead, classification: Clearance) -> None:
        name = f"agreement {agreement.id} ({agreement.title})"
        mine = any(
            p.state.id == self.principal.state_id
            and spell_covers_day(p.entered, p.exited, self.day)
            for p in agreement.party_spells
        )
        if not mine:
            raise PermissionDenied(
                f"release_to: your state is not a party to {name}",
                field="release_to",
                value=agreement.id,
            )
        if SHARING_DOMAIN not in agreement.domains:
            raise InvalidInput(
                f"release_to: {name} does not cover intelligence_sharing",
                field="release_to",
                value=agreement.id,
            )
        if not is_in_force_on(agreement, self.day):
            raise InvalidInput(
                f"release_to: {name} is not in force ({agreement.status})",
                field="release_to",
                value=agreement.id,
            )
        ceiling = Clearance.parse(agreement.sharing_ceiling or "UNCLASSIFIED")
        if classification > ceiling:
            raise InvalidInput(
                f"classification: {classification.name} is above the ceiling of {name} "
                f"({ceiling.name})",
                field="classification",
                value=classification.name,
            )

    def check_recipients(self, marks: Markings) -> list[int]:
        if not marks.recipients:
            return []
        if marks.tlp is not Tlp.RED:
            raise InvalidInput(
                "recipients: only TLP:RED objects name recipients", field="recipients"
            )
        ids: list[int] = []
        for ref in marks.recipients:
            if ref not in self._agencies:
                self._agencies[ref] = access.find_agency(self.principal, self.session, ref=ref).id
            ids.append(self._agencies[ref])
        return ids
