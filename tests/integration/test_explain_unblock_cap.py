"""S-A7 with S-D3: the explanation states the unblock cap the policy sets, not a number fixed in code."""

from __future__ import annotations

from tests.conftest import World, base_policy, build, policy_with


def test_the_explanation_quotes_the_policy_s_unblock_cap(world: World, db_url: str) -> None:
    world.send(world.event("login", device_id="d", client_version="4.1.0", plugin_signatures=["bot"]))  # step 2
    [r] = world.w.enforcement.explain("acc-1", "en")["restrictions"]
    assert r["unblock"]["possible"] and "at most 5 applications per phone number in 30 days" in r["unblock"]["text"]
    text = base_policy().text
    cap_line = next(line for line in text.splitlines() if "max_applications" in line)
    stricter = build(db_url, world.clock, policy_with({cap_line: cap_line.replace("5", "3", 1)}))
    try:
        [r] = stricter.explain("acc-1", "zh")["restrictions"]
        assert "最多申请 3 次" in r["unblock"]["text"]
    finally:
        stricter.close()
