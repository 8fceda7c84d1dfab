"""The words of the agreement and proposal pages: the registry's codes (domains, statuses,
proposal kinds, ATOP provisions, fields) with the labels the pages show, marked for the
catalogue and translated when a page is made (``_(label)`` in the templates).

One module for ``agreements.py`` (the list, an agreement, its lifecycle),
``agreement_forms.py`` (propose, amend) and ``agreement_proposals.py`` (the proposals), so
each page names a code the same way.
"""

from __future__ import annotations

from typing import Final

from taawun.core.principal import Clearance
from taawun.registry.vocabulary import AGREEMENT_STATUSES, DOMAINS, PROPOSAL_STATUSES
from taawun.web.ui.templates import N_

DOMAIN_LABELS: Final[dict[str, str]] = {
    "mutual_defense": N_("Mutual defence"),
    "offense": N_("Offence"),
    "neutrality": N_("Neutrality"),
    "non_aggression": N_("Non-aggression"),
    "consultation": N_("Consultation"),
    "intelligence_sharing": N_("Intelligence sharing"),
    "training": N_("Training"),
    "joint_exercises": N_("Joint exercises"),
    "combined_operations": N_("Combined operations"),
    "technology_exchange": N_("Technology exchange"),
    "military_aid": N_("Military aid"),
}
STATUS_LABELS: Final[dict[str, str]] = {
    "proposed": N_("Proposed"),
    "in_force": N_("In force"),
    "suspended": N_("Suspended"),
    "terminated": N_("Terminated"),
    "expired": N_("Expired"),
    "declined": N_("Declined"),
    "withdrawn": N_("Withdrawn"),
}
PROPOSAL_LABELS: Final[dict[str, str]] = {
    "record": N_("Proposed as a new agreement"),
    "amend": N_("Amendment proposed"),
    "resume": N_("Resumption proposed"),
}
PROPOSAL_STATUS_LABELS: Final[dict[str, str]] = {
    "open": N_("open"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn"),
}
PROVISION_LABELS: Final[dict[str, str]] = {  # ATOP 5.1 codebook variables, decoded on import
    "military_contact": N_("Military contact"),
    "military_aid": N_("Military aid"),
    "integrated_command": N_("Integrated command"),
    "subordination": N_("Subordination of forces"),
    "organizations": N_("Organizations created"),
    "bases": N_("Bases and troop placements"),
    "contributions": N_("Contributions specified"),
    "specific_threat": N_("Specific threat"),
    "threat_states": N_("Threatening states (COW codes)"),
    "arms": N_("Arms"),
    "termination": N_("How it ended"),
}
TERM_LABELS: Final[dict[str, str]] = {  # the keys of terms the importers write
    "conditional": N_("Conditional"),
    "label": N_("Kind"),
    "title_source": N_("Source of the title"),
    "date_precision": N_("Precision of the dates"),
    "end_date_precision": N_("Precision of the end date"),
}
assert set(DOMAIN_LABELS) == set(DOMAINS) and set(STATUS_LABELS) == set(AGREEMENT_STATUSES)

assert set(PROPOSAL_STATUS_LABELS) == set(PROPOSAL_STATUSES)

DECISION_LABELS: Final[dict[str | None, str]] = {
    None: N_("not decided"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
}
FIELD_LABELS: Final[dict[str, str]] = {  # the fields of a proposal or amendment, and of errors
    "title": N_("Title"),
    "parties": N_("Parties"),
    "add_parties": N_("Parties to add"),
    "domains": N_("Domains"),
    "signed": N_("Signed"),
    "in_force": N_("In force from"),
    "ended": N_("Ended"),
    "confidential": N_("Confidential"),
    "sharing_ceiling": N_("Sharing ceiling"),
    "organization": N_("Organization"),
    "terms": N_("Terms"),
    "citation": N_("Citation"),
    "parent": N_("Implements"),
    "on": N_("From"),
    "status": N_("Status"),
    "proposal": N_("Proposal"),
    "agreement": N_("Agreement"),
}
CLEARANCES: Final = tuple(c.name for c in Clearance)

# What a write did, shown once on the page it leads to (``?done=<key>``: only these keys).
DONE_MESSAGES: Final[dict[str, str]] = {
    "proposed": N_("Your proposal is recorded. It waits for the other parties' acceptance."),
    "amended": N_("The agreement is amended."),
    "suspended": N_("The agreement is suspended."),
    "resumed": N_("The agreement is resumed."),
    "terminated": N_("The agreement is terminated."),
    "left": N_("Your state has left the agreement."),
    "accepted": N_("Your state has accepted the proposal."),
    "declined": N_("Your state has declined the proposal."),
    "withdrawn": N_("The proposal is withdrawn."),
}
