"""`warden screen` and `warden bench screen` (S-A6), through the register() hooks the main CLI calls."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from warden.bench import cli as bench_cli
from warden.entrypoints.cli import screen


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    bench = typer.Typer()
    app.add_typer(bench, name="bench")
    screen.register(app, bench)
    bench_cli.register(app, bench)
    return app


runner = CliRunner()


def test_screen_prints_each_text_with_its_hits(app: typer.Typer) -> None:
    result = runner.invoke(app, ["screen", "加我领紅 包", "你好，我是销售部的小王"])
    assert result.exit_code == 0, result.output
    assert "红包  red_packet  high  via folded  [3:6] '紅 包'" in result.output
    assert "no hits" in result.output


def test_screen_json_gives_one_object_per_input(app: typer.Typer) -> None:
    result = runner.invoke(app, ["screen", "--json", "hóngbāo", "口红包邮"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    keys = ("term", "category", "severity", "channel", "start", "end", "matched")
    assert [{"text": x["text"], "hits": [{k: h[k] for k in keys} for h in x["hits"]]} for x in lines] == [
        {
            "text": "hóngbāo",
            "hits": [
                {
                    "term": "红包",
                    "category": "red_packet",
                    "severity": "high",
                    "channel": "pinyin",
                    "start": 0,
                    "end": 7,
                    "matched": "hóngbāo",
                }
            ],
        },
        {"text": "口红包邮", "hits": []},
    ]
    # issue 13: the folded text, each hit's technique and effect, the outcome in the situation given
    assert lines[0]["folded"] == "hongbao" and lines[0]["outcome"] == "blocked" and lines[0]["blocked"] is True
    assert lines[0]["hits"][0]["techniques"] == ["pinyin", "tone marks"] and lines[0]["hits"][0]["effect"] == "blocks"
    assert lines[1]["outcome"] == "allowed" and lines[1]["situation"] == {"kind": "greeting", "audience": "external"}


def test_S_A6_screen_judges_the_text_in_the_situation_given_and_names_the_context(app: typer.Typer) -> None:
    text = "我的手机号13800138000，微信同号"
    cold = runner.invoke(app, ["screen", "--json", "--kind", "message", text])
    assert json.loads(cold.output)["outcome"] == "warned"
    warm = json.loads(runner.invoke(app, ["screen", "--json", "--kind", "message", "--contact-age", "2d", text]).output)
    assert warm["outcome"] == "allowed" and warm["context"]["name"] == "accepted_a_day_ago"
    assert warm["hits"][0]["effect"] == "passed"
    shown = runner.invoke(app, ["screen", "--kind", "message", "--internal", "加个微信吧"])
    assert shown.exit_code == 0, shown.output
    assert "folded: 加个微信吧" in shown.output and "context: colleague (verdict pass)" in shown.output
    assert "outcome: allowed (message, internal)" in shown.output


def test_screen_reads_stdin_lines_when_no_text_is_given(app: typer.Typer) -> None:
    result = runner.invoke(app, ["screen", "--json"], input="电话13800138000\n\n加V\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [x["text"] for x in lines] == ["电话13800138000", "", "加V"]
    assert [[h["category"] for h in x["hits"]] for x in lines] == [
        ["phone_number"],
        [],
        ["contact_diversion"],
    ]


def test_bench_screen_prints_throughput_build_memory_and_quality(app: typer.Typer) -> None:
    result = runner.invoke(app, ["bench", "screen", "--messages", "300", "--repeat", "1", "--terms", "300"])
    assert result.exit_code == 0, result.output
    for label in (
        "full pipeline, screen_many",
        "raw matcher",
        "full / raw (messages/s)",
        "automaton build, 300 terms",
        "RSS growth",
        "Quality on the corpus",
        "homophone",
        "precision:",
        "both batched",  # issue 13: the ratio compares the raw matcher batched as the pipeline is
        "Evaluation set",  # issue 13: recall per technique and false positives on the clean set
        "invisible_letters",
        "false positives on",
    ):
        assert label in result.output, label
    said = " ".join(result.output.split())
    assert "sixth fresh corpus (warden.screening.eval.fresh6" in said  # the newest blind corpus by default


def test_bench_screen_refuses_an_unknown_corpus_naming_the_option(app: typer.Typer) -> None:
    result = runner.invoke(app, ["bench", "screen", "--messages", "300", "--fresh", "holdout"])
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())  # the error box may wrap the sentence
    assert "--fresh" in said and "sixth, fifth, fourth, third, second, dev, test" in said


@pytest.mark.parametrize("kind", ["greeting", "message"])
def test_screen_refuses_a_contact_age_that_is_no_duration_whatever_the_kind(app: typer.Typer, kind: str) -> None:
    result = runner.invoke(app, ["screen", "--kind", kind, "--contact-age", "-3d", "刷单"])
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())
    assert "--contact-age" in said and "'-3d' is not a duration" in said
