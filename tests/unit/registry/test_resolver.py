"""Naming states: every accepted form, ambiguity and unknown names with candidates."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from taawun.core.errors import Ambiguous, NotFound
from taawun.registry.resolver import resolve_state


@pytest.mark.parametrize("name", ["TUR", "TR", "640", "Turkey", "Türkiye", "turkiye", " tur "])
def test_every_form_names_turkey(loaded_db: Session, name: str) -> None:
    assert resolve_state(loaded_db, name).cow_code == 640


@pytest.mark.parametrize(
    ("name", "cow"),
    [
        ("PAK", 770),
        ("Pakistan", 770),
        ("SAU", 670),
        ("ARE", 696),
        ("UAE", 696),
        ("AE", 696),
        ("United Arab Emirates", 696),
        ("Saudi Arabia", 670),
        ("GMY", 255),
        ("Germany", 255),
    ],
)
def test_common_states(loaded_db: Session, name: str, cow: int) -> None:
    assert resolve_state(loaded_db, name).cow_code == cow


def test_palestine_has_no_cow_code(loaded_db: Session) -> None:
    palestine = resolve_state(loaded_db, "PSE")
    assert palestine.cow_code is None
    assert resolve_state(loaded_db, "Palestine").id == palestine.id


def test_ambiguous_code_lists_candidates(loaded_db: Session) -> None:
    # ISO3 AUS is Australia; COW's AUS is Austria.
    with pytest.raises(Ambiguous) as caught:
        resolve_state(loaded_db, "AUS")
    assert len(caught.value.candidates) == 2
    assert any("Australia" in c for c in caught.value.candidates)
    assert any("Austria" in c for c in caught.value.candidates)


def test_unknown_name_suggests_the_closest(loaded_db: Session) -> None:
    with pytest.raises(NotFound) as caught:
        resolve_state(loaded_db, "Pakistn")
    assert any("Pakistan" in c for c in caught.value.candidates)
    assert "Pakistn" in caught.value.message


def test_unknown_code(loaded_db: Session) -> None:
    with pytest.raises(NotFound):
        resolve_state(loaded_db, "999")
    with pytest.raises(NotFound):
        resolve_state(loaded_db, "")
