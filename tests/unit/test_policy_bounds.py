"""A policy that validates can always be used: durations and whole numbers are bounded when the file is read, so
no promoted version can make ingest fail (break-test of 2026-11-30: a 27,000-year window and a 23-digit repeat
count both passed `policy check` and then made every event, or every screened text, a 500 once live)."""

from __future__ import annotations

import pytest

from warden.adapters.policy_file import load_policy, load_policy_text
from warden.kernel.durations import parse_duration
from warden.policy import PolicyError


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            "    repeat_window: 24h ",
            "    repeat_window: 9999999d ",
            "rules.sensitive_words.repeat_window: '9999999d' is too long",
        ),
        (
            "    repeat_count: 3",
            "    repeat_count: 99999999999999999999999",
            "repeat_count: 99999999999999999999999 is too large",
        ),
    ],
)
def test_a_policy_with_a_duration_or_number_beyond_any_use_is_refused_naming_the_field(
    old: str, new: str, said: str
) -> None:
    text = load_policy().text
    assert old in text
    with pytest.raises(PolicyError) as err:
        load_policy_text(text.replace(old, new, 1), "p.yaml")
    assert said in str(err.value)


@pytest.mark.parametrize("value", ["99999999999d", 1e300, float("inf"), -5, "36501d"])
def test_durations_are_refused_beyond_a_century_or_below_zero(value: object) -> None:
    with pytest.raises(ValueError, match=r"too long|negative"):
        parse_duration(value)


def test_durations_up_to_a_century_are_taken() -> None:
    assert parse_duration("36500d").days == 36_500 and parse_duration(0).total_seconds() == 0
