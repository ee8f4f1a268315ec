"""`warden demo` includes the enterprise scene: policy, a leaked ID number to an outsider, the case to training."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from warden.demo.run import run_demo
from warden.kernel.access import Principal, Role


def test_the_demo_catches_the_leaked_id_number_and_handles_the_case_to_a_completed_training(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    w = run_demo(f"sqlite:///{tmp_path / 'demo.db'}", console)
    try:
        desk, hr = w.cases, Principal("t", Role.HR, "ent-huaguang")
        items, _ = desk.list_cases(hr, "ent-huaguang", account_id="acc-fin-zhou")
        [case] = items
        assert (case.rule_id, case.severity, case.outcome, case.status) == (
            "personal-data",
            "high",
            "training",
            "closed",
        )
        assert case.statement is not None and case.statement["responsibility"] == "oversight_self_reported"
        assert case.training_completed_at is not None
        figures = w.usage_figures.figures(Principal("t", Role.ANALYST, "ent-huaguang"), "ent-huaguang").model_dump()
        assert figures["training"]["completion_rate"] == 1.0
        text = console.export_text()
        assert "allowed=False" in text and "resident ID number" in text and "audit chain: intact" in text
    finally:
        w.engine.dispose()
