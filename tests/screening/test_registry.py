"""Hot reload (S-A6): list changes take effect without a restart, atomically, and say what changed."""

from __future__ import annotations

import shutil
import threading
from importlib import resources
from pathlib import Path

import pytest

from warden.screening import PLATFORM, ScreenerRegistry, ScreeningEngine


@pytest.fixture
def registry(engine: ScreeningEngine) -> ScreenerRegistry:
    return ScreenerRegistry(engine, base_factory=lambda: engine)


def terms(registry: ScreenerRegistry, scope: str | None, text: str) -> list[str]:
    return [h.term for h in registry.get(scope).screen(text)]


def test_an_enterprise_list_change_takes_effect_for_that_enterprise_only(registry: ScreenerRegistry) -> None:
    assert terms(registry, "ent-1", "加入拼团群") == []
    change = registry.set_lists("ent-1", [("拼团群", "contact_diversion", "low")], ["红包雨"])
    assert terms(registry, "ent-1", "加入拼团群") == ["拼团群"]
    assert terms(registry, "ent-1", "今晚八点红包雨，速来") == []
    assert terms(registry, "ent-2", "加入拼团群") == []
    assert terms(registry, "ent-2", "今晚八点红包雨，速来") == ["红包"]
    assert change.terms_added == (("拼团群", "contact_diversion", "low"),)
    assert change.allow_added == ("红包雨",)
    assert change.changed


def test_every_change_bumps_the_version_and_reports_additions_and_removals(
    registry: ScreenerRegistry,
) -> None:
    v0 = registry.version
    first = registry.set_lists("ent-1", [("甲", "fraud", "high"), ("乙乙", "fraud", "low")])
    second = registry.set_lists("ent-1", [("乙乙", "fraud", "low"), ("丙丙", "loan", "medium")], ["丁丁"])
    assert (first.version, second.version) == (v0 + 1, v0 + 2)
    assert second.terms_added == (("丙丙", "loan", "medium"),)
    assert second.terms_removed == (("甲", "fraud", "high"),)
    assert second.allow_added == ("丁丁",)
    assert registry.lists("ent-1") == ([("乙乙", "fraud", "low"), ("丙丙", "loan", "medium")], ["丁丁"])


def test_setting_the_same_lists_again_changes_nothing(registry: ScreenerRegistry) -> None:
    registry.set_lists("ent-1", [("甲乙", "fraud", "high")])
    v = registry.version
    again = registry.set_lists("ent-1", [("甲乙", "fraud", "high")])
    assert not again.changed
    assert registry.version == v


def test_add_and_remove_edit_a_scope_incrementally(registry: ScreenerRegistry) -> None:
    registry.add("ent-1", [("甲乙", "fraud", "high")])
    registry.add("ent-1", [("丙丁", "loan", "low")], ["戊己"])
    removed = registry.remove("ent-1", terms=["甲乙"])
    assert removed.terms_removed == (("甲乙", "fraud", "high"),)
    assert registry.lists("ent-1") == ([("丙丁", "loan", "low")], ["戊己"])


def test_platform_lists_apply_to_every_enterprise(registry: ScreenerRegistry) -> None:
    registry.set_lists("ent-1", [("拼团群", "contact_diversion", "low")])
    assert terms(registry, "ent-1", "内推码") == []
    registry.set_lists(PLATFORM, [("内推码", "contact_diversion", "medium")])
    assert terms(registry, "ent-1", "内推码 拼团群") == ["内推码", "拼团群"]
    assert terms(registry, None, "内推码") == ["内推码"]


def test_a_bad_list_is_rejected_and_leaves_the_current_engine_in_place(registry: ScreenerRegistry) -> None:
    registry.set_lists("ent-1", [("甲乙", "fraud", "high")])
    v = registry.version
    with pytest.raises(ValueError, match="severity"):
        registry.set_lists("ent-1", [("丙丁", "fraud", "critical")])
    assert registry.version == v
    assert terms(registry, "ent-1", "甲乙") == ["甲乙"]


def test_readers_always_see_a_complete_engine_while_lists_change(registry: ScreenerRegistry) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                found = terms(registry, "ent-1", "加我领红包")
                assert found == ["红包"], found
            except BaseException as exc:  # collected and checked in the test thread
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for r in readers:
        r.start()
    for i in range(20):
        registry.set_lists("ent-1", [(f"词{i}甲", "fraud", "low")])
    stop.set()
    for r in readers:
        r.join()
    assert errors == []
    assert registry.version >= 20


def test_reloading_the_shipped_files_swaps_engines_and_reports_the_diff(tmp_path: Path) -> None:
    data = resources.files("warden.screening").joinpath("data")
    for name in ("terms.tsv", "allow.txt", "emoji.tsv", "homophones.tsv"):
        shutil.copy(str(data.joinpath(name)), tmp_path / name)
    registry = ScreenerRegistry()
    assert terms(registry, None, "代购") == []
    with (tmp_path / "terms.tsv").open("a", encoding="utf-8") as f:
        f.write("代购\tillegal_goods\tmedium\tdefault\n")
    change = registry.reload_shipped(tmp_path)
    assert change.terms_added == (("代购", "illegal_goods", "medium"),)
    assert change.terms_removed == ()
    assert terms(registry, None, "代 购") == ["代购"]
    assert terms(registry, "ent-9", "daigou") == ["代购"]


def test_changes_lists_every_effective_change_after_a_version(registry: ScreenerRegistry) -> None:
    a = registry.set_lists("ent-1", [("甲乙", "fraud", "high")])
    registry.set_lists("ent-1", [("甲乙", "fraud", "high")])  # no effect, not logged
    b = registry.set_lists("ent-2", allow=["丙丁"])
    assert registry.changes() == [a, b]
    assert registry.changes(since=a.version) == [b]
    assert b.as_dict() == {
        "scope": "ent-2",
        "version": b.version,
        "terms_added": [],
        "terms_removed": [],
        "allow_added": ["丙丁"],
        "allow_removed": [],
    }
