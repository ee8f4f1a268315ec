"""A right-to-left override reverses what follows it on screen: ``\\u202e包红领我加`` is displayed as 加我领红包. The
screen reads such a text in its displayed order and maps each hit back to the characters as sent (found by the
break19 tester: the lure passed with no hit)."""

from __future__ import annotations

import random

import pytest

from warden.screening.engine import RLO, ScreeningEngine, displayed

PDF = "\u202c"


@pytest.mark.parametrize(
    ("text", "term", "matched"),
    [
        (f"{RLO}包红领我加{PDF}", "红包", "包红"),
        (f"好的{RLO}包红领我加{PDF}，谢谢", "红包", "包红"),
        (f"{RLO}利返单刷", "刷单", "单刷"),  # no PDF: to the end of the text
        (f"{RLO}8000310083131 信微加{PDF}", "@phone", None),  # a number written backwards displays forwards
    ],
)
def test_S_A6_a_term_displayed_through_a_right_to_left_override_is_found_on_the_characters_as_sent(
    engine: ScreeningEngine, text: str, term: str, matched: str | None
) -> None:
    hits = engine.screen(text)
    if term.startswith("@"):
        assert hits, text
        return
    found = [h for h in hits if h.term == term]
    assert found, (text, hits)
    h = found[0]
    assert h.matched == matched and text[h.start : h.end] == matched


def test_S_A6_an_override_around_honest_text_changes_nothing_the_text_says(engine: ScreeningEngine) -> None:
    assert engine.screen(f"{RLO}厂装包红{PDF}") == engine.screen("红包装厂")  # displayed: 红包装厂, a factory
    assert engine.screen(f"{RLO}{PDF}") == []
    assert engine.screen("请在 2026 年前提交报告") == []


def test_the_displayed_order_keeps_the_length_and_reverses_only_inside_overrides() -> None:
    rng = random.Random(19)
    alphabet = ["红", "包", "a", "1", " ", RLO, PDF, "\n", "\u2069"]
    for _ in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        shown, spans = displayed(text)
        assert len(shown) == len(text)
        inside = {x for a, b in spans for x in range(a, b)}
        assert all(shown[x] == text[x] for x in range(len(text)) if x not in inside)
        for a, b in spans:
            assert text[a - 1] == RLO and shown[a:b] == text[a:b][::-1]
