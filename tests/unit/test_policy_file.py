"""The policy file: validated on load, errors name file, line and what is wrong; its hash is its version."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.adapters.policy_file import DEFAULT_POLICY_PATH, load_policy
from warden.enforcement.policy import WeightScaling
from warden.policy import PolicyError, load_policy_text

TEXT = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as exc:
        load_policy_text(text, "p.yaml")
    return exc.value.problems


def line_of(needle: str) -> int:
    return next(i for i, line in enumerate(TEXT.splitlines(), 1) if needle in line)


def test_shipped_policy_loads_and_its_version_is_the_content_hash() -> None:
    lp = load_policy()
    assert len(lp.hash) == 64
    assert load_policy_text(TEXT + "\n# a comment changes the version\n").hash != lp.hash


def test_chinese_text_and_comments_are_kept() -> None:
    lp = load_policy()
    assert lp.policy.ladder.severities["S"].title["zh"] == "严重违规"


def test_misspelt_key_is_named_with_its_line() -> None:
    text = TEXT.replace("    threshold: 60", "    threshhold: 60")
    found = problems(text)
    assert any("threshhold" in p and "unknown key" in p and f"p.yaml:{line_of('threshold: 60')}" in p for p in found)


def test_soft_limit_above_hard_limit_is_refused_with_its_line() -> None:
    text = TEXT.replace("soft: 10, hard: 20", "soft: 30, hard: 20")
    [p] = problems(text)
    assert "soft limit 30 is above hard limit 20" in p and p.startswith(f"p.yaml:{line_of('soft: 10, hard: 20')}:")


def test_bad_duration_says_how_to_write_one() -> None:
    [p] = problems(TEXT.replace("repeat_window: 24h", "repeat_window: a day"))
    assert "'a day' is not a duration" in p


def test_unknown_condition_feature_is_refused() -> None:
    [p] = problems(TEXT.replace("account_age_days: {lt: 30}", "account_colour: {lt: 30}"))
    assert "unknown condition feature 'account_colour'" in p


def test_ladder_must_end_in_a_permanent_step() -> None:
    text = TEXT.replace("scope: account, duration: null", "scope: account, duration: 90d")
    assert any("last step must be the permanent ban" in p for p in problems(text))


def test_unknown_severity_of_a_rule_is_refused() -> None:
    text = TEXT.replace("    spec: S-A2\n    severity: L", "    spec: S-A2\n    severity: X")
    assert any("severity 'X' is not a severity class" in p for p in problems(text))


def test_broken_yaml_names_the_line() -> None:
    [p] = problems("version: 1\nladder: [\n")
    assert p.startswith("p.yaml:") and "not valid YAML" in p


def test_missing_file_and_non_utf8_file_are_clear(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such file"):
        load_policy(tmp_path / "nope.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("version: \xe9".encode("latin-1"))
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(bad)


def test_S_A1_weight_scaling_spans_half_to_double() -> None:
    ws = WeightScaling()
    assert ws.factor(0) == 0.5 and ws.factor(50) == 1.0 and ws.factor(100) == 2.0
    assert ws.factor(None) == 1.0
