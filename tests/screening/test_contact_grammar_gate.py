"""The contact grammar's gate (`contact_grammar.anchored`) keys each anchor on its first three characters only, so
its table is built from a bounded number of case forms however long an anchor is (an anchor of 24 ASCII letters once
made the first screen after a start spell out 2**24 forms: the server did not answer its first batch)."""

from __future__ import annotations

import pytest

from warden.screening import contact_grammar


def test_the_gate_spells_out_cases_of_three_characters_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    spell = contact_grammar._cases

    def counting(word: str) -> set[str]:
        asked.append(word)
        assert len(word) <= 3, f"{len(word)} characters' cases spelled out"  # fail at once, never after 2**n forms
        return spell(word)

    monkeypatch.setattr(contact_grammar, "_cases", counting)
    monkeypatch.setattr(contact_grammar, "ANCHORS", (*contact_grammar.ANCHORS, "green app with the phone icon" * 4))
    contact_grammar._heads.cache_clear()
    try:
        contact_grammar._heads()
    finally:
        contact_grammar._heads.cache_clear()
    assert asked and max(len(w) for w in asked) <= 3


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("加我的 Green App With The Phone Icon 聊", True),  # a long English name, in any case, still opens the gate
        ("TG 上聊", True),
        ("今天的会议改到下午三点", False),
    ],
)
def test_the_gate_picks_long_and_short_anchors_in_either_case(text: str, picked: bool) -> None:
    assert (contact_grammar.anchored([text]) == [0]) is picked
