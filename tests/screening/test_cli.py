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
    assert lines == [
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
    ):
        assert label in result.output, label
