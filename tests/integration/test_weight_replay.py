"""`warden replay` shows how weights and S-A5 cascades change under a candidate policy (issue 4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import T0, policy_with
from warden.adapters.policy_file import load_policy
from warden.entrypoints.cli.replay import _weight_diff, simulate
from warden.kernel.model import Account, Enterprise


def _history() -> tuple[list[Enterprise], list[Account], list[dict[str, Any]]]:
    ents = [Enterprise("ent-low", "Low trust", False, T0 - timedelta(days=20))]
    accs = [Account(f"m{i}", "ent-low", f"1380000000{i}", False, T0 - timedelta(days=5)) for i in range(6)]
    evs: list[dict[str, Any]] = []
    for i in range(6):
        evs.append(
            {
                "id": f"l{i}",
                "type": "login",
                "occurred_at": (T0 - timedelta(hours=5)).isoformat(),
                "account_id": f"m{i}",
                "device_id": "d",
                "client_version": "4.1.0",
            }
        )
    for i in range(3):
        for k in range(3):
            evs.append(
                {
                    "id": f"r{i}-{k}",
                    "type": "report",
                    "occurred_at": (T0 - timedelta(hours=3 - i, minutes=10 - k)).isoformat(),
                    "account_id": f"m{i}",
                    "reporter_id": f"x{k}",
                    "reason": "spam",
                }
            )
    return ents, accs, evs


def test_replay_reports_weights_and_cascades_that_a_candidate_policy_changes() -> None:
    ents, accs, evs = _history()
    current = simulate(load_policy(), ents, accs, evs)
    candidate = simulate(
        policy_with(
            {
                "below_weight: 40": "below_weight: 0",  # never cascade
                "profile_stability: {points: 10": "profile_stability: {points: 5",
            }
        ),
        ents,
        accs,
        evs,
    )
    assert current["cascades"] == ["ent-low"]
    assert candidate["cascades"] == []
    assert set(current["weights"]) == {f"m{i}" for i in range(6)}
    diff = _weight_diff(current, candidate)
    assert diff["no_longer_cascaded"] == ["ent-low"] and diff["newly_cascaded"] == []
    assert diff["weights"]["accounts"] == 6
    changed = {c["account_id"]: c["current"] - c["candidate"] for c in diff["weights"]["largest_changes"]}
    # every one loses the 5 stability points; the reported three no longer sit at the floor of 0, since a 5-day-old
    # account's activity factors read neutral (issue 10), so their difference shows too
    assert changed == {f"m{i}": 5 for i in range(6)}
    assert all(current["weights"][f"m{i}"] < current["weights"]["m3"] for i in range(3))
