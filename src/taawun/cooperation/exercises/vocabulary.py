"""The fixed words of exercises: domains, participant roles, date precisions, coverage.

``DOMAINS`` is the issue's list (land, air, sea, amphibious, cyber, command-post,
humanitarian, peacekeeping); MME's ``Warfighting`` flag is not a domain but the exercise's
purpose (warfighting or not), so it is kept apart, as ``Exercise.warfighting``.
"""

from __future__ import annotations

from typing import Final

DOMAINS: Final = (
    "land",
    "air",
    "sea",
    "amphibious",
    "cyber",
    "command-post",
    "humanitarian",
    "peacekeeping",
)

ROLES: Final = ("host", "participant", "observer")
"""A participant's part. MME codes none of them: its participants are ``participant``, and
``host`` only where the location names one of them (see ``importers/mme.py``)."""

PRECISIONS: Final = ("day", "month", "year")
"""How much of a date is known: a date of ``month`` precision is stored as the month's first
day (MME's "xx" days), one of ``year`` precision as the year's."""

COVERED, OUTSIDE, UNASSESSED = "covered", "outside", "unassessed"
COVERAGE: Final = (COVERED, OUTSIDE, UNASSESSED)
"""Whether an exercise falls under an agreement covering ``joint_exercises``: ``covered``
(the agreement is named), ``outside`` (none covers it: flagged), or ``unassessed`` (the
historical record: no imported agreement has the ``joint_exercises`` domain, so asking would
flag every one of them and say nothing; see ``importers/mme.py``)."""

RECORDED, CANCELLED = "recorded", "cancelled"
STATUSES: Final = (RECORDED, CANCELLED)

LIVE_SOURCE: Final = "taawun"
"""The source of an exercise recorded on the node (as for agreements); any other is imported."""
MME_SOURCE: Final = "MME v7"

HOST_RECORDED, HOST_FROM_LOCATION = "recorded", "location"
"""Where an exercise's host comes from: recorded by a user, or read from MME's location."""

COVERING_DOMAIN: Final = "joint_exercises"
"""The registry domain an agreement must cover for an exercise to fall under it."""
