"""Backtest with labels (issue 18): `warden replay --version N` against a small labelled history, figures by hand."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rich.console import Console

from tests.conftest import World
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.entrypoints.cli.replay import run_replay
from warden.kernel.access import Principal, Role
from warden.kernel.model import StrikeStatus
from warden.policy_versions import rules
from warden.policy_versions.model import Label, LabelledStrike

LEAD = Principal("t-lead", Role.REVIEWER, person_id="lead")
HOUR = "{name: hour, length: 1h, soft: 10, hard: 20, block: 1h}"
LOOSER = "{name: hour, length: 1h, soft: 10, hard: 22, block: 1h}"


def test_issue18_backtest_figures_on_a_hand_labelled_history_pure() -> None:
    def s(acc: str, label: Label | None) -> LabelledStrike:
        return LabelledStrike(f"stk-{acc}", "r", "h", acc, None, label is not None, label)

    history = [s("a1", Label.OVERTURNED), s("a2", Label.UPHELD), s("a3", None), s("a4", Label.REDUCED)]
    (cur,) = rules.backtest(history, [("a1", "r"), ("a2", "r"), ("a3", "r"), ("a4", "r")])
    assert (cur.true_pos, cur.false_pos, cur.false_neg, cur.unlabelled) == (2, 1, 0, 1)
    assert cur.precision == pytest.approx(2 / 3) and cur.recall == 1.0
    (cand,) = rules.backtest(history, [("a2", "r"), ("a3", "r")])
    assert (cand.true_pos, cand.false_pos, cand.false_neg, cand.unlabelled) == (1, 0, 1, 1)
    assert cand.precision == 1.0 and cand.recall == 0.5


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_issue18_replay_of_a_stored_candidate_reports_precision_and_recall_against_reviewers_labels(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Live: S-A1 strikes past 20 searches an hour. a1 (21 searches, overturned), a2 (24, upheld on appeal), a3 (24,
    nobody looked), a4 (21, upheld). The candidate allows 22: it spares a1 and a4 and still strikes a2 and a3.
    By hand: live TP 2 (a2, a4), FP 1 (a1), FN 0, unlabelled 1 (a3): precision 2/3, recall 1. Candidate: TP 1 (a2),
    FP 0, FN 1 (a4), unlabelled 1: precision 1, recall 1/2; a1 and a4 are no longer restricted."""
    w = world.w
    counts = {"a1": 21, "a2": 24, "a3": 24, "a4": 21}
    for acc in counts:
        world.account(acc)
    evs = []
    for acc, n in counts.items():
        for _ in range(n):
            world.clock.advance(seconds=20)
            evs.append(world.phone_search(acc))
    world.send(*evs)
    with reading(w.engine) as conn:
        by_acc = {r.subject_id: r.id for r in conn.execute(sa.select(t.strikes.c.subject_id, t.strikes.c.id))}
    assert sorted(by_acc) == ["a1", "a2", "a3", "a4"]
    w.manual_actions.set_strike_status(by_acc["a1"], StrikeStatus.OVERTURNED, "reviewer:lead", "a recruiter's campaign")
    with w.engine.begin() as conn:  # two appeals decided "upheld" (the appeal desk's outcome, stored as it stores it)
        for acc in ("a2", "a4"):
            now = w.clock.now()
            conn.execute(
                sa.insert(t.appeals).values(
                    id=f"apl-{acc}",
                    kind="member",
                    strike_id=by_acc[acc],
                    subject_type="account",
                    subject_id=acc,
                    enterprise_id="ent-1",
                    account_id=acc,
                    appellant=acc,
                    statement="not spam",
                    status="upheld",
                    submitted_at=now,
                    due_at=now + timedelta(days=7),
                    version=2,
                    outcome="uphold",
                )
            )
    v2 = w.policy_versions.create(LEAD, w.loaded.text.replace(HOUR, LOOSER), "allow 22 an hour")
    capsys.readouterr()
    run_replay(None, None, db_url, True, Console(), v2.id)
    out = json.loads(capsys.readouterr().out)
    lab = out["labels"]
    assert lab["labelled_strikes"] == 3
    cur, cand = lab["current"]["phone_search_velocity"], lab["candidate"]["phone_search_velocity"]
    assert (cur["true_pos"], cur["false_pos"], cur["false_neg"], cur["unlabelled"]) == (2, 1, 0, 1)
    assert cur["precision"] == pytest.approx(2 / 3) and cur["recall"] == 1.0
    assert (cand["true_pos"], cand["false_pos"], cand["false_neg"], cand["unlabelled"]) == (1, 0, 1, 1)
    assert cand["precision"] == 1.0 and cand["recall"] == 0.5
    assert sorted(out["no_longer_restricted"]) == ["a1", "a4"] and out["newly_restricted"] == {}
    assert out["candidate_policy"] == v2.hash
