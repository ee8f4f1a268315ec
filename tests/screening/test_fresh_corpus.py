"""The blind corpora (warden.screening.eval.fresh … fresh5): written by people who never saw the engine, each scored
once, whole, in the round it arrived in. These tests pin that the first two load whole with the engine's names and
that no honest message of any of them is refused by S-A6 in its situation (warnings are reported by `warden bench
screen`, not pinned). Every part's format: `test_blind_corpus_format.py`."""

from __future__ import annotations

import pytest

from warden.bench.screen import BLIND_CORPORA, judged_false_positives
from warden.screening import ScreeningEngine
from warden.screening.eval import evaluate
from warden.screening.eval.fresh import caught, load_fresh_clean, load_fresh_spam


@pytest.fixture(scope="module")
def engine() -> ScreeningEngine:
    from warden.screening.engine import build_default_engine

    return build_default_engine()


def test_issue13_the_fresh_corpus_loads_both_halves_whole() -> None:
    clean = load_fresh_clean("dev") + load_fresh_clean("test")
    spam = load_fresh_spam("dev") + load_fresh_spam("test")
    assert len(clean) == 1_667 and len(spam) == 460
    assert {m.domain.rpartition("/")[2] for m in clean} == {"greeting", "internal", "external"}
    assert not any(r.expected in ("@phone", "@qq", "@id_number", "@bank_card") for r in spam)  # engine's names


def test_issue13_the_second_fresh_corpus_loads_whole_with_every_expected_name_the_engines(
    engine: ScreeningEngine,
) -> None:
    from warden.screening.eval.fresh2 import load_fresh2_clean, load_fresh2_spam

    clean, spam = load_fresh2_clean(), load_fresh2_spam()
    assert len(clean) == 1_337 and len(spam) == 462
    assert {m.domain.rpartition("/")[2] for m in clean} == {"greeting", "internal", "external"}
    known = {t.term for t in engine.terms}
    assert {r.expected for r in spam if not r.expected.startswith("@")} <= known
    assert not any(r.expected in ("@phone", "@qq", "@id_number", "@bank_card") for r in spam)  # engine's names


@pytest.mark.parametrize("corpus", ["test", "second", "third", "fourth", "fifth", "sixth"])
def test_S_A6_no_honest_message_of_a_blind_corpus_is_refused_in_its_situation(
    engine: ScreeningEngine, corpus: str
) -> None:
    """No honest message of any blind corpus (`bench.screen.BLIND_CORPORA`: the first one's unseen half, the second,
    the third, the fourth, the fifth and the sixth, each scored once, whole, with 0 refused) is refused by S-A6 in its
    situation: an honest message refused is the worst fault a screen can make. Warnings are reported by `warden bench
    screen`, not pinned."""
    blind = BLIND_CORPORA[corpus]
    report = evaluate(engine, blind.spam(), blind.clean(), found=caught)
    refused = [m.text for m, outcome in judged_false_positives(report) if outcome == "blocked"]
    assert refused == []
