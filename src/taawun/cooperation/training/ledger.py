"""The reciprocity ledger: who trains whom, per pair of states and per agreement.

For a pair of states A and B over a window of days, the ledger sets what A hosted for B
(programmes, seats offered, seats taken, graduates) against what A received from B, and
the balance of taken seats (A's hosted minus A's received: positive when A gives more).
Taken seats are what a partner actually used, so they make the balance; offered seats and
graduates are shown beside them.

- A programme counts in the window its first day falls in (``from``/``to``, both days
  included, either open), wholly: adjacent windows never count one programme twice.
- Cancelled programmes count nowhere; planned ones count (their taken seats are
  commitments); graduates not yet recorded count as 0.
- A pair is **imbalanced** when seats were taken either way and
  ``|balance| > threshold × (hosted + received)`` of taken seats. The default threshold,
  1/3, flags a pair where one side hosts more than twice what it receives.
- The figures are computed in SQL over the programmes the viewer may see
  (``repository.ledger``, the access rule in its WHERE): a programme of other states is in
  no figure, so a third state's ledger of a partnership it is not part of is empty.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from taawun.cooperation.training import repository, service
from taawun.cooperation.training.repository import Direction, PairFigures
from taawun.cooperation.training.schemas import Ledger, LedgerRow, SeatFigures
from taawun.core.errors import InvalidInput
from taawun.core.principal import Principal
from taawun.registry import service as registry

DEFAULT_THRESHOLD = 1 / 3


def rule(threshold: float) -> str:
    return (
        "imbalanced when seats were taken either way and |balance| > "
        f"{threshold:.4g} × (hosted + received), counting taken seats"
    )


def _figures(d: Direction) -> SeatFigures:
    return SeatFigures(
        programmes=d.programmes, offered=d.offered, taken=d.taken, graduates=d.graduates
    )


def _row(found: PairFigures, first: int, labels: dict[int, str]) -> LedgerRow:
    """The pair as ``first`` (one of its two states) sees it."""
    flipped = first != found.lo
    a, b = (found.hi, found.lo) if flipped else (found.lo, found.hi)
    hosted, received = (
        (found.hi_hosted, found.lo_hosted) if flipped else (found.lo_hosted, found.hi_hosted)
    )
    return LedgerRow(
        a_id=a,
        a=labels.get(a, str(a)),
        b_id=b,
        b=labels.get(b, str(b)),
        hosted=_figures(hosted),
        received=_figures(received),
        balance=-found.balance if flipped else found.balance,
        total=found.total,
        imbalanced=found.imbalanced,
    )


def ledger(
    principal: Principal,
    session: Session,
    *,
    agreement: str | None = None,
    pair: tuple[str, str] | None = None,
    start: date | None = None,
    end: date | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Ledger:
    """The ledger of ``agreement`` (every pair that trained under it), of ``pair`` (one row,
    as its first state sees it: zeros when nothing is recorded), or of the pair under the
    agreement when both are given."""
    if agreement is None and pair is None:
        raise InvalidInput(
            "agreement: name an agreement, or a pair of states, for the ledger",
            field="agreement",
        )
    if not 0 <= threshold <= 1:
        raise InvalidInput("threshold: a share between 0 and 1", field="threshold", value=threshold)
    service.check_window(start, end)
    found_agreement = (
        registry.get_agreement(principal, session, ref=agreement) if agreement else None
    )
    ids: tuple[int, int] | None = None
    if pair is not None:
        a = service.state_id(principal, session, pair[0], field="pair")
        b = service.state_id(principal, session, pair[1], field="pair")
        if a == b:
            raise InvalidInput(
                "pair: name two different states", field="pair", value=",".join(pair)
            )
        ids = (a, b)
    figures = repository.ledger(
        session,
        principal,
        agreement_id=found_agreement.id if found_agreement else None,
        pair=ids,
        start=start,
        end=end,
        threshold=threshold,
    )
    if ids is not None and not figures:
        zero = Direction(0, 0, 0, 0)
        lo, hi = sorted(ids)
        figures = [PairFigures(lo, hi, zero, zero, 0, 0, False)]
    labels = registry.state_labels(session, {f.lo for f in figures} | {f.hi for f in figures})
    if ids is not None:
        rows = [_row(f, ids[0], labels) for f in figures]
    else:
        rows = sorted(
            (_row(f, min((f.lo, f.hi), key=lambda s: labels.get(s, "")), labels) for f in figures),
            key=lambda r: (r.a, r.b),
        )
    return Ledger(
        agreement_id=found_agreement.id if found_agreement else None,
        agreement=found_agreement.title if found_agreement else None,
        pair=None if ids is None else [labels.get(i, str(i)) for i in ids],
        start=start,
        end=end,
        threshold=threshold,
        rule=rule(threshold),
        rows=rows,
    )
