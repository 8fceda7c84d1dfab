"""What the common-value questions and changes take in and give out (Pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["exact", "suffix", "network"]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class CommonListRead(_Read):
    """A MISP warninglist as loaded: ``effect`` ``common`` (a hit makes a value common) or
    ``note`` (a hit is only shown); ``namespace``: its hosts hand out subdomains to anyone,
    so a name under them is not common through a parent."""

    key: str
    name: str
    description: str
    version: int
    match: str
    effect: str
    namespace: bool
    read: int  # entries in its file: loaded, merged (a duplicate once normalised) or
    loaded: int  # rejected (no value of a kind it applies to)
    merged: int
    rejected: int


class CommonEntryRead(_Read):
    """A node entry: ``effect`` ``common`` adds the value (``scope`` ``suffix``: a host and
    its subdomains; ``network``: every address in it), ``allow`` keeps it out of the common
    values whatever the lists say."""

    id: int
    kind: str
    scope: str
    value: str
    effect: str
    reason: str
    created_at: datetime
    created_by: str


class CommonEntryCreate(BaseModel):
    """Make a value common on this node. ``kind`` is guessed from the value when left out
    (an address, a hash by its length, a URL, an e-mail address, a domain); ``scope``
    ``suffix`` takes a domain with its subdomains; a network is always ``network``."""

    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=512)
    kind: str | None = None
    scope: Scope | None = None
    reason: str = Field(min_length=1, max_length=500)


class CommonEntryRemove(BaseModel):
    """Make a value not common on this node: withdraw the node's own entry for it, or,
    when a list makes it common, record an ``allow`` entry (``reason`` then required)."""

    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=512)
    kind: str | None = None
    scope: Scope | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=500)


class CommonMatch(_Read):
    """One hit behind a verdict: ``source`` (``warninglist <key>`` or ``node entry <id>``),
    its ``effect`` for this value, ``how`` it matched and the ``entry`` as stored."""

    source: str
    effect: str
    how: str
    entry: str


class CommonCheck(_Read):
    kind: str
    value: str
    common: bool
    reason: str | None
    notes: list[str]
    matches: list[CommonMatch]


class CommonChange(_Read):
    """What ``add`` or ``remove`` did: the entries it withdrew and recorded, the value's
    verdict afterwards, and how many values of the correlation index changed flag."""

    kind: str
    scope: str
    value: str
    withdrawn: CommonEntryRead | None
    recorded: CommonEntryRead | None
    common: bool
    reason: str | None
    reflagged: int
