"""Word lists refuse terms that fold to nothing (only spaces, punctuation, emoji, zero-width characters) or to one
character that would match everywhere, naming the term and where it is, in zh and en: the platform's and each
enterprise's word lists and allow-lists, an enterprise's usage-policy keywords, the policy file's words and the
dictionary files. And `POST /v1/screenings` names an `enterprise_id` nobody registered instead of ignoring it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import World
from warden.adapters.policy_file import DEFAULT_POLICY_PATH
from warden.entrypoints.cli.main import app as cli
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.screening.dictionaries import parse_allow, parse_terms
from warden.screening.terms import term_problem

HAN = re.compile(r"[\u4e00-\u9fff]")
NOTHING = ["   ", "!!!", "，。、", "😀😀", "\u200b\u200d", "-_-"]
ONE = ["a", ".a.", "ａ", "1", "的", "红"]


def test_what_folds_to_nothing_or_one_character_is_no_term() -> None:
    for term in NOTHING:
        assert term_problem(term) == ("empty", {"term": repr(term)}), term
    for term in ONE:
        found = term_problem(term)
        assert found is not None and found[0] == "one_character", term
    for term in ("扣扣", "红包", "ab", "加我", "红 包"):  # a repeated character is required, so 扣扣 is a term
        assert term_problem(term) is None, term
    assert term_problem("密", single_han=True) is None and term_problem("a", single_han=True) is not None


@pytest.fixture
def api(world: World) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    world.enterprise("ent-2")
    w = world.w

    def bearer(role: Role, enterprise: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {w.tokens.create(role, enterprise)[1]}"}

    tokens = {"platform": bearer(Role.PLATFORM), "admin1": bearer(Role.ENTERPRISE_ADMIN, "ent-1")}
    with TestClient(create_app(w)) as client:
        yield client, tokens


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_word_list_with_a_degenerate_term_or_allow_entry_is_refused_naming_each(api, lang: str) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    terms = [[t, "spam", "high"] for t in [*NOTHING, *ONE]] + [["扣扣", "contact", "high"]]
    allow = ["，", "a", "年会红包"]
    for scope, who in (("platform", "platform"), ("ent-1", "admin1")):
        r = client.put(f"/v1/word-lists/{scope}?lang={lang}", json={"terms": terms, "allow": allow}, headers=tok[who])
        assert r.status_code == 422, r.text
        errors = r.json()["errors"]
        named = [e["field"] for e in errors]
        assert named == [f"terms[{i}].term" for i in range(len(NOTHING) + len(ONE))] + ["allow[0]", "allow[1]"]
        for e, term in zip(errors, [*NOTHING, *ONE], strict=False):
            assert repr(term) in e["message"]
            assert bool(HAN.search(e["message"].replace(term, ""))) is (lang == "zh"), e
        assert bool(HAN.search(r.json()["detail"])) is (lang == "zh")
        assert client.get(f"/v1/word-lists/{scope}", headers=tok[who]).json()["version"] == 0  # nothing changed
    ok = client.put("/v1/word-lists/platform", json={"terms": [["扣扣", "contact", "high"]]}, headers=tok["platform"])
    assert ok.status_code == 200, ok.text


def test_usage_policy_keywords_that_fold_to_nothing_or_one_letter_are_refused_one_chinese_character_is_kept(
    api,  # type: ignore[no-untyped-def]
) -> None:
    client, tok = api
    rule = {
        "id": "secrets",
        "title": "保密",
        "category": "leak",
        "severity": "high",
        "words": ["!!!", "a", "密", "机密"],
    }
    r = client.put(
        "/v1/enterprises/ent-1/usage-policy?lang=en", json={"version": 0, "rules": [rule]}, headers=tok["admin1"]
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["rules[0].words[0]", "rules[0].words[1]"]
    rule["words"] = ["密", "机密"]
    r = client.put("/v1/enterprises/ent-1/usage-policy", json={"version": 0, "rules": [rule]}, headers=tok["admin1"])
    assert r.status_code == 200, r.text


def test_the_policy_file_and_the_dictionary_files_name_the_line_of_a_degenerate_term(tmp_path: Path) -> None:
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "{term: 返现," in x)
    bad = tmp_path / "p.yaml"
    bad.write_text(text.replace("{term: 返现,", "{term: '!!!',"), encoding="utf-8")
    r = CliRunner().invoke(cli, ["policy", "check", str(bad)], terminal_width=400)
    assert r.exit_code == 2 and f"p.yaml:{line}:" in r.output and "'!!!'" in r.output and "归一化" in r.output
    with pytest.raises(ValueError, match=r"terms.tsv:2: term: 'a' folds to the single character"):
        parse_terms("红包\tred_packet\thigh\na\tspam\thigh\n", "terms.tsv")
    with pytest.raises(ValueError, match=r"allow.txt:3: '\\u200b' holds only"):
        parse_allow("# entries\n年会红包\n\u200b\n", "allow.txt")


def test_screening_with_an_enterprise_nobody_registered_names_the_field(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    r = client.post(
        "/v1/screenings?lang=en", json={"text": "加我领红包", "enterprise_id": "ent-ghost"}, headers=tok["platform"]
    )
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["enterprise_id"], r.text
    assert "ent-ghost" in r.json()["detail"]
    zh = client.post("/v1/screenings", json={"text": "x", "enterprise_id": "ent-ghost"}, headers=tok["platform"])
    assert zh.status_code == 422 and "没有企业" in zh.json()["detail"]
    # a token that does not cover the enterprise learns nothing of whether it exists
    for eid in ("ent-2", "ent-ghost"):
        r = client.post("/v1/screenings", json={"text": "x", "enterprise_id": eid}, headers=tok["admin1"])
        assert r.status_code == 403, r.text
    ok = client.post("/v1/screenings", json={"text": "x", "enterprise_id": "ent-2"}, headers=tok["platform"])
    assert ok.status_code == 200, ok.text
