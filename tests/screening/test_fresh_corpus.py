"""The fresh corpus (warden.screening.eval.fresh): written by someone who never saw the engine; its test half was
read by no one while the engine changed. These tests pin that it loads whole and that no honest message in it is
refused by S-A6 in its situation (warnings are reported by `warden bench screen`, not pinned)."""

from __future__ import annotations

import pytest

from warden.bench.screen import judged_false_positives
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


def test_S_A6_no_honest_message_of_the_unseen_half_is_refused_in_its_situation(engine: ScreeningEngine) -> None:
    report = evaluate(engine, load_fresh_spam("test"), load_fresh_clean("test"), found=caught)
    refused = [m.text for m, outcome in judged_false_positives(report) if outcome == "blocked"]
    assert refused == []


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


def test_S_A6_no_honest_message_of_the_second_fresh_corpus_is_refused_in_its_situation(
    engine: ScreeningEngine,
) -> None:
    from warden.screening.eval.fresh2 import load_fresh2_clean, load_fresh2_spam

    report = evaluate(engine, load_fresh2_spam(), load_fresh2_clean(), found=caught)
    refused = [m.text for m, outcome in judged_false_positives(report) if outcome == "blocked"]
    assert refused == []


def test_S_A6_no_honest_message_of_the_third_fresh_corpus_is_refused_in_its_situation(
    engine: ScreeningEngine,
) -> None:
    """The third blind corpus (scored once, whole, at the end of the session that received it: 0 refused) stays
    so: an honest message refused in its situation is the worst fault a screen can make."""
    from warden.screening.eval.fresh3 import load_fresh3_clean, load_fresh3_spam

    report = evaluate(engine, load_fresh3_spam(), load_fresh3_clean(), found=caught)
    refused = [m.text for m, outcome in judged_false_positives(report) if outcome == "blocked"]
    assert refused == []


def test_S_A6_no_honest_message_of_the_fourth_fresh_corpus_is_refused_in_its_situation(
    engine: ScreeningEngine,
) -> None:
    """The fourth blind corpus (three writers; scored once, whole, after round 7: 0 of 3,145 refused) stays so."""
    from warden.screening.eval.fresh4 import load_fresh4_clean, load_fresh4_spam

    report = evaluate(engine, load_fresh4_spam(), load_fresh4_clean(), found=caught)
    refused = [m.text for m, outcome in judged_false_positives(report) if outcome == "blocked"]
    assert refused == []
