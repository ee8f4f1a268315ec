"""The population simulator and `warden bench quality` (issue 10): deterministic, labelled, valid, measured.

The quality *goals* are not asserted here: today's engine does not meet them on the simulated population
(see the issue's note); these tests pin the instrument, not the engine's figures.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from warden.kernel.events import BatchAdapter
from warden.simulation.population import ABUSER_KINDS, LEGIT_KINDS, SHANGHAI, Kind, Population, generate
from warden.simulation.quality import RECALL_WINDOW_EVENTS, run_quality


def small(seed: int = 3, **kw: int) -> Population:
    """One company, one shop, a short warm-up: a few thousand events."""
    args = {"companies": 1, "shops": 1, "warmup_days": 4, "measured_days": 3} | kw
    return generate(seed, args.pop("companies"), args.pop("shops"), **args)


@pytest.fixture(scope="module")
def pop() -> Population:
    return small()


def test_the_same_seed_gives_the_same_population_and_another_seed_another(pop: Population) -> None:
    again = small()
    assert again.accounts == pop.accounts
    assert again.enterprises == pop.enterprises
    assert again.events == pop.events
    other = small(seed=4)
    assert other.events != pop.events
    assert other.accounts != pop.accounts


def test_every_kind_is_present_and_labelled(pop: Population) -> None:
    kinds = Counter(a.kind for a in pop.accounts)
    for kind in (*LEGIT_KINDS, *ABUSER_KINDS):
        if kind is Kind.CUSTOMER_SERVICE and sum(kinds[k] for k in LEGIT_KINDS) < 60:
            continue  # a 40-person company may have no support agent
        assert kinds[kind] >= 1, kind
    for a in pop.accounts:
        assert a.abuser == (a.kind in ABUSER_KINDS)
        assert (a.abuse_starts_at is not None) == a.abuser
        if a.abuser:
            assert pop.measured_start <= a.abuse_starts_at < pop.measured_end
    fraud_enterprises = {a.enterprise_id for a in pop.accounts if a.kind is Kind.FRAUDSTER}
    assert all(not e.verified and e.size_class == "shell" for e in pop.enterprises if e.id in fraud_enterprises)


def test_about_one_percent_are_abusers_at_scale() -> None:
    big = generate(5, companies=8, warmup_days=1, measured_days=3)
    share = sum(a.abuser for a in big.accounts) / len(big.accounts)
    assert 0.005 <= share <= 0.02


def test_events_are_valid_unique_sorted_and_dated_before_now(pop: Population) -> None:
    events = BatchAdapter.validate_python(pop.events)  # what ingest validates, all at once
    assert len({e.id for e in events}) == len(events)
    keys = [(e.occurred_at, e.id) for e in events]
    assert keys == sorted(keys)
    created = {a.id: a.created_at for a in pop.accounts}
    for e in events:
        assert pop.warmup_start <= e.occurred_at < pop.measured_end <= pop.now
        assert e.occurred_at >= created[e.account_id]
    assert any(e.occurred_at < pop.measured_start for e in events), "a warm-up period of ordinary activity"
    types = Counter(e.type for e in events)
    for t in ("login", "feature_use", "message", "contact_request", "contact_added", "contact_removed", "report"):
        assert types[t] > 0, t


def test_offices_work_office_hours_in_shanghai(pop: Population) -> None:
    office = {a.id for a in pop.accounts if a.kind is Kind.STAFF}
    hours = [
        datetime.fromisoformat(e["occurred_at"]).astimezone(SHANGHAI).hour
        for e in pop.events
        if e["account_id"] in office
    ]
    assert hours and sum(8 <= h < 19 for h in hours) / len(hours) > 0.85


def test_sensitive_greetings_come_from_spammers_and_fraudsters_only(pop: Population) -> None:
    bad = {a.id for a in pop.accounts if a.kind in (Kind.GREETING_SPAMMER, Kind.FRAUDSTER)}
    baited = {e["account_id"] for e in pop.events if e["type"] == "contact_request" and "返" in e.get("greeting", "")}
    assert baited <= bad


def test_the_quality_runner_measures_every_kind_with_figures_in_range(pop: Population) -> None:
    report = run_quality(pop, [1000, 250])
    assert [r.batch_size for r in report.runs] == [1000, 250]
    for run in report.runs:
        assert {k.kind for k in run.kinds} == {a.kind.value for a in pop.accounts}
        for k in run.kinds:
            rates = (k.recall,) if k.abuser else (k.false_positive_rate,)
            for v in (*rates, k.explained_share):
                assert v is None or 0.0 <= v <= 1.0
            assert (k.recall is not None) == k.abuser
            assert (k.false_positive_rate is not None) != k.abuser
        t = run.totals
        assert t["accounts"] == len(pop.accounts) and t["events"] == len(pop.events)
        assert 0.0 <= t["recall"] <= 1.0 and 0.0 <= t["false_positive_rate"] <= 1.0
        assert t["explained_share"] is None or 0.0 <= t["explained_share"] <= 1.0
        assert len(run.fingerprint.decisions) == len(pop.events)  # every event was stored and decided
    assert isinstance(report.identical, bool)
    data = json.loads(json.dumps(report.as_dict(), default=str))
    assert data["recall_window_events"] == RECALL_WINDOW_EVENTS
    assert {g["goal"] for g in data["goal_checks"]} >= {"recall", "false positives", "explained"}


def test_bench_quality_prints_json_for_machines() -> None:
    from warden.entrypoints.cli.main import app

    args = ["bench", "quality", "-e", "1", "--shops", "1", "--batch-sizes", "1000", "--json"]
    result = CliRunner().invoke(app, [*args, "--warmup-days", "2", "--measured-days", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert data["runs"][0]["batch_size"] == 1000
    assert data["population"]["accounts"] > 40
    assert data["identical"] is True  # one batch size agrees with itself


def test_the_measured_week_ends_at_midnight_before_now(pop: Population) -> None:
    assert pop.measured_end.astimezone(SHANGHAI).hour == 0
    assert pop.measured_end - pop.measured_start == timedelta(days=3)


def test_differences_between_batch_sizes_are_counted_with_examples(pop: Population) -> None:
    from warden.simulation.quality import BatchRun, Fingerprint, compare

    ids = [e["id"] for e in pop.events[:3]]
    base = {i: (True, ()) for i in ids}
    changed = base | {ids[1]: (False, ("velocity.hard_limit",))}
    strike = ("stk_1", "account", pop.events[1]["account_id"], "phone_search_velocity", "L", 0, "active", "t")

    def run(size: int, decisions: dict, strikes: set) -> BatchRun:
        return BatchRun(size, 0.0, 0.0, [], {}, {}, [], [], Fingerprint(decisions, strikes, set()))

    same, _ = compare(pop, [run(1, base, set()), run(100, dict(base), set())])
    assert same
    same, diff = compare(pop, [run(1, base, set()), run(100, changed, {strike})])
    assert not same
    d = diff["1 vs 100"]
    assert (d["decisions_differing"], d["strikes_differing"], d["restrictions_differing"]) == (1, 1, 0)
    assert d["examples"][0]["event_id"] == ids[1]
    assert d["examples"][0]["batch_100"] == {"allowed": False, "reasons": ["velocity.hard_limit"]}


def test_a_seed_gives_the_same_events_in_any_process() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    import warden

    root = str(Path(warden.__file__).resolve().parents[1])  # this checkout's warden, in the child too
    path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])
    code = (
        "import hashlib, json; from warden.simulation.population import generate; "
        "p = generate(9, 1, 1, warmup_days=2, measured_days=3); "
        "print(hashlib.sha256(json.dumps(p.events, ensure_ascii=False).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env=os.environ | {"PYTHONHASHSEED": str(h), "PYTHONPATH": path},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for h in (1, 2)
    }
    assert len(digests) == 1


def test_issue18_bench_quality_prints_a_candidate_policy_beside_the_live_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`warden bench quality --candidate FILE`: live and candidate figures side by side, with the difference."""
    from warden.adapters.policy_file import load_policy
    from warden.entrypoints.cli.main import app

    hour = "{name: hour, length: 1h, soft: 10, hard: 20, block: 1h}"
    shipped = load_policy()
    assert hour in shipped.text
    strict = tmp_path / "strict.yaml"
    strict.write_text(shipped.text.replace(hour, "{name: hour, length: 1h, soft: 1, hard: 2, block: 1h}"), "utf-8")
    args = [
        "bench",
        "quality",
        "-e",
        "1",
        "--shops",
        "1",
        "--batch-sizes",
        "1000",
        "--json",
        "--candidate",
        str(strict),
    ]
    result = CliRunner().invoke(app, [*args, "--warmup-days", "2", "--measured-days", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{") :])
    side = data["candidate"]["figures"]
    for key in ("recall", "precision", "false_positive_rate", "restrictions"):
        row = side[key]
        assert set(row) == {"live", "candidate", "difference"}
        if row["live"] is not None and row["candidate"] is not None:
            assert row["difference"] == pytest.approx(row["candidate"] - row["live"])
    assert side["restrictions"]["live"] == data["runs"][0]["totals"]["restrictions"]
    assert side["kinds"] and data["candidate"]["policy"].endswith(")")
    both = CliRunner().invoke(app, ["bench", "quality", "--candidate", str(strict), "--version", "2"])
    assert both.exit_code != 0
