"""Operations (issue 17): metrics, probes, structured logs, masked senders, the effective configuration."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from tests.conftest import PG_ADMIN_URL, World, build
from warden.adapters import logs
from warden.adapters.database import make_engine
from warden.appeals.notifier import LogNotifier, Notification
from warden.entrypoints.cli.main import app as cli
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.kernel.clock import FixedClock
from warden.policy import LoadedPolicy
from warden.settings import Settings
from warden.unblock import texts as unblock_texts
from warden.unblock.senders import LogSender

LOCAL = ("127.0.0.1", 40000)  # a scraper on this host: inside WARDEN_METRICS_ALLOW's default


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition page: (name, sorted labels) → value."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(page: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def logged() -> io.StringIO:
    """warden's logging configured as `serve` does (JSON) into a buffer (conftest restores the root logger)."""
    buffer = io.StringIO()
    logs.configure(Settings(log_format="json"), buffer)
    return buffer


def json_lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_metrics_count_requests_by_route_template_and_decisions_by_rule(world: World) -> None:
    platform = {"Authorization": f"Bearer {world.w.tokens.create(Role.PLATFORM)[1]}"}
    with TestClient(create_app(world.w, Settings()), client=LOCAL) as api:
        before = samples(api.get("/metrics").text)
        denied = world.event("contact_request", method="qr_code", target="x", greeting="加我领红包")
        assert api.post("/v1/events", json=denied, headers=platform).status_code == 201
        assert api.post("/v1/events", json=denied, headers=platform).status_code == 200  # a duplicate
        assert api.post("/v1/events", json=world.phone_search(), headers=platform).status_code == 201
        api.get("/v1/accounts/acc-1/restrictions", headers=platform)
        api.get("/v1/accounts/no-such-account/restrictions", headers=platform)
        api.get("/no/such/path")
        r = api.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    after = samples(r.text)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("warden_http_requests_total", method="POST", route="/v1/events", status="201") == 2
    assert grew("warden_http_requests_total", method="POST", route="/v1/events", status="200") == 1
    template = "/v1/accounts/{account_id}/restrictions"
    assert grew("warden_http_requests_total", method="GET", route=template, status="200") == 1
    assert grew("warden_http_requests_total", method="GET", route="<unmatched>", status="404") >= 1
    assert not any("acc-1" in dict(labels).get("route", "") for _, labels in after)  # templates, never raw paths
    assert grew("warden_http_request_duration_seconds_count", method="POST", route="/v1/events") == 3
    assert grew("warden_http_request_duration_seconds_bucket", method="POST", route="/v1/events", le="+Inf") == 3
    assert grew("warden_events_total", result="stored") == 2
    assert grew("warden_events_total", result="duplicate") == 1
    assert grew("warden_decisions_total", outcome="denied") == 1
    assert grew("warden_decisions_total", outcome="allowed") == 1
    assert grew("warden_rule_reasons_total", rule="sensitive_words", level="deny") == 1
    assert grew("warden_ingest_batch_duration_seconds_count") == 3
    assert (
        grew("warden_subject_cache_lookups_total", result="hit")
        + grew("warden_subject_cache_lookups_total", result="miss")
        >= 2
    )
    assert ("warden_db_pool_checked_out", ()) in after and value(after, "warden_db_pool_size") > 0
    assert value(after, "warden_outbox_backlog", status="pending") == 0


def test_metrics_name_each_rule_that_restricted(world: World) -> None:
    with TestClient(create_app(world.w, Settings()), client=LOCAL) as api:
        before = samples(api.get("/metrics").text)
        world.send(*[world.phone_search() for _ in range(40)])  # past the phone-search hard limit: a strike
        after = samples(api.get("/metrics").text)
    strikes = {k: v - before.get(k, 0) for k, v in after.items() if k[0] == "warden_strikes_total"}
    restrictions = {k: v - before.get(k, 0) for k, v in after.items() if k[0] == "warden_restrictions_total"}
    assert sum(strikes.values()) >= 1 and sum(restrictions.values()) >= 1
    assert all(dict(labels)["rule"] for _, labels in restrictions) and all(
        dict(labels)["scope"] for _, labels in restrictions
    )


def test_metrics_are_refused_outside_the_allowed_networks(world: World) -> None:
    with TestClient(create_app(world.w, Settings()), client=("10.1.2.3", 5000)) as api:
        r = api.get("/metrics")
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
        assert "WARDEN_METRICS_ALLOW" in r.json()["detail"]
    with TestClient(create_app(world.w, Settings(metrics_allow="10.0.0.0/8")), client=("10.1.2.3", 5000)) as api:
        assert api.get("/metrics").status_code == 200
    with TestClient(create_app(world.w, Settings(metrics_allow="none")), client=LOCAL) as api:
        assert api.get("/metrics").status_code == 403


def test_I12_metrics_refusals_use_wardens_problem_types_like_every_other_refusal(world: World) -> None:
    with TestClient(create_app(world.w, Settings()), client=("10.1.2.3", 5000)) as api:
        forbidden = api.get("/metrics")
        assert forbidden.status_code == 403 and forbidden.json()["type"] == "https://warden.dev/problems/forbidden"
    with TestClient(create_app(world.w, Settings()), client=LOCAL) as api:
        wrong = api.post("/metrics")
        assert wrong.status_code == 405 and wrong.headers["Allow"]
        assert wrong.json()["type"] == "https://warden.dev/problems/method-not-allowed"
        missing = api.get("/no-such-page")
        assert missing.status_code == 404 and missing.json()["type"] == "https://warden.dev/problems/not-found"
        assert all(r.json()["type"] != "about:blank" for r in (wrong, missing))


def test_livez_and_readyz_answer_when_the_database_does(world: World) -> None:
    with TestClient(create_app(world.w, Settings())) as api:
        assert api.get("/livez").json() == {"status": "alive"}
        r = api.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached(world: World) -> None:
    good = world.w.engine
    world.w.engine = make_engine("postgresql+psycopg://warden:secret@127.0.0.1:1/nowhere")
    try:
        with TestClient(create_app(world.w, Settings()), client=LOCAL) as api:
            assert api.get("/livez").status_code == 200  # alive all the same: a restart would not help
            r = api.get("/readyz", headers={"Accept-Language": "en"})
        with TestClient(create_app(world.w, Settings()), client=("203.0.113.9", 5000)) as outside:
            hidden = outside.get("/readyz", headers={"Accept-Language": "en"})
    finally:
        world.w.engine.dispose()
        world.w.engine = good
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 503 and body["title"] == "Not ready"
    assert body["checks"]["database"].startswith("database postgresql+psycopg://warden:***@127.0.0.1:1/nowhere: ")
    assert "OperationalError" in body["checks"]["database"] and "secret" not in r.text
    assert body["detail"] == body["checks"]["database"]
    # from outside WARDEN_METRICS_ALLOW: which check failed, not the hosts and errors behind it
    assert hidden.status_code == 503 and hidden.json()["checks"] == {"database": "unavailable"}
    assert "127.0.0.1" not in hidden.text and hidden.json()["detail"] == "unavailable: database"


def test_readyz_is_503_naming_redis_when_the_counters_live_there_and_it_is_down(world: World) -> None:
    settings = Settings(counters="redis", redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(world.w, settings), client=LOCAL) as api:
        r = api.get("/readyz")
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"].startswith("redis redis://127.0.0.1:1/0: ") and "Error" in checks["redis"]


def test_readyz_checks_nats_when_configured(world: World, logged: io.StringIO) -> None:
    with TestClient(create_app(world.w, Settings(nats_url="nats://127.0.0.1:1")), client=LOCAL) as api:
        r = api.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["nats"].startswith("nats nats://127.0.0.1:1: ")
    # the connection's own error, not the client's give-up (an empty `TimeoutError: `), and no traceback logged
    assert "ConnectionRefusedError" in r.json()["checks"]["nats"]
    assert "Traceback" not in logged.getvalue() and "nats: encountered error" not in logged.getvalue()


def test_readyz_is_a_503_naming_the_database_not_a_500_when_every_reader_loses_it(world: World) -> None:
    """Every part of the application loses the database together (the policy's hot reload too): /readyz still
    answers the 503 naming it, and /metrics still serves the page, rather than failing on a read before their own."""
    good = world.w.engine, world.w.live_policy.engine if world.w.live_policy is not None else None
    gone = make_engine("postgresql+psycopg://warden:secret@127.0.0.1:1/nowhere")
    world.w.engine = gone
    if world.w.live_policy is not None:
        world.w.live_policy.engine = gone
    try:
        with TestClient(create_app(world.w, Settings()), client=LOCAL, raise_server_exceptions=False) as api:
            r = api.get("/readyz", headers={"Accept-Language": "en"})
            page = api.get("/metrics")
    finally:
        gone.dispose()
        world.w.engine = good[0]
        if world.w.live_policy is not None and good[1] is not None:
            world.w.live_policy.engine = good[1]
    assert r.status_code == 503, r.text
    assert r.json()["checks"]["database"].startswith("database postgresql+psycopg://warden:***@127.0.0.1:1/nowhere: ")
    assert page.status_code == 200 and "warden_http_requests_total" in page.text


def test_every_request_writes_one_json_access_line(world: World, logged: io.StringIO) -> None:
    with TestClient(create_app(world.w, Settings()), client=LOCAL) as api:
        api.get("/v1/accounts/acc-1/restrictions")  # no token: the guard's 401 is logged too
        api.get("/livez")
    lines = [line for line in json_lines(logged) if line["logger"] == "warden.access"]
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/v1/accounts/{account_id}/restrictions", 401),
        ("/livez", 200),
    ]
    first = lines[0]
    assert first["level"] == "INFO" and first["method"] == "GET" and first["path"] == "/v1/accounts/acc-1/restrictions"
    assert isinstance(first["duration_ms"], float) and first["client"] == "127.0.0.1"
    assert str(first["timestamp"]).endswith("+00:00")


def test_the_access_log_masks_a_helper_links_token_in_the_path(world: World, logged: io.StringIO) -> None:
    with TestClient(create_app(world.w, Settings()), client=LOCAL) as api:
        api.post("/v1/helper-confirmations/hc_Zm9vYmFyYmF6cXV4", json={})
    line = next(x for x in json_lines(logged) if x.get("logger") == "warden.access")
    assert line["route"] == "/v1/helper-confirmations/{token}"
    assert line["path"] == "/v1/helper-confirmations/***"
    assert line["message"].startswith("POST /v1/helper-confirmations/*** ")
    server_lines = [x for x in json_lines(logged) if str(x.get("logger", "")).startswith(("warden", "uvicorn"))]
    assert "hc_Zm9vYmFyYmF6cXV4" not in json.dumps(server_lines)  # (the test client's own httpx line aside)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/helper-confirmations/hc_Zm9vYmFyYmF6cXV4"),  # a browser opening the link: 405
        ("PUT", "/v1/helper-confirmations/hc_Zm9vYmFyYmF6cXV4"),
        ("POST", "/v1/helper-confirmations/hc_Zm9vYmFyYmF6cXV4/"),  # a trailing slash: 307
        ("POST", "/v1//helper-confirmations/hc_Zm9vYmFyYmF6cXV4"),  # no route at all: 404
    ],
)
def test_the_access_log_masks_a_helper_links_token_whatever_the_route_answers(
    world: World, logged: io.StringIO, method: str, path: str
) -> None:
    with TestClient(create_app(world.w, Settings()), client=LOCAL, follow_redirects=False) as api:
        api.request(method, path, json={})
    line = next(x for x in json_lines(logged) if x.get("logger") == "warden.access")
    assert line["status"] in (307, 404, 405) and "***" in str(line["path"])
    server_lines = [x for x in json_lines(logged) if str(x.get("logger", "")).startswith(("warden", "uvicorn"))]
    assert "Zm9vYmFyYmF6cXV4" not in json.dumps(server_lines)


def test_access_log_can_be_turned_off(world: World, logged: io.StringIO) -> None:
    with TestClient(create_app(world.w, Settings(access_log=False))) as api:
        api.get("/livez")
    assert not [line for line in json_lines(logged) if line["logger"] == "warden.access"]


def test_log_format_auto_is_text_on_a_terminal_and_json_otherwise() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert logs.resolve_format(Settings(log_format="auto"), Tty()) == "text"
    assert logs.resolve_format(Settings(log_format="auto"), io.StringIO()) == "json"
    assert logs.resolve_format(Settings(log_format="text"), io.StringIO()) == "text"


NOTE = Notification(
    "appeal:ap1:v2:appeal.decided", "account", "acc-1", "appeal.decided", {"text": {"zh": "申诉已处理"}}
)


def test_the_log_notifier_writes_a_json_line_for_each_notification(logged: io.StringIO) -> None:
    LogNotifier().send(NOTE)
    (line,) = [line for line in json_lines(logged) if line["logger"] == "warden.notifications"]
    assert line["level"] == "INFO" and line["kind"] == "appeal.decided" and line["key"] == NOTE.key
    assert line["recipient"] == "account:acc-1" and "申诉已处理" in str(line["message"])


def test_the_log_notifier_is_never_silent_when_logging_is_not_configured(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger(), "level", logging.WARNING)  # as in a plain CLI run: INFO goes nowhere
    LogNotifier().send(NOTE)
    err = capsys.readouterr().err
    assert "warden.notifications: notify account:acc-1 appeal.decided 申诉已处理" in err


def test_the_log_sender_masks_one_time_codes(logged: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
    LogSender().send("13800001234", unblock_texts.code_message("482913", 10, "zh"))
    LogSender().send("13800001234", "confirm: https://warden.example/h/hc_Zx9-abcDEF12345678 (10 min)")
    lines = [line for line in json_lines(logged) if line["logger"] == "warden.unblock"]
    assert len(lines) == 2
    assert "482913" not in logged.getvalue() and "******" in str(lines[0]["message"])
    assert "hc_Zx9" not in logged.getvalue() and "hc_***" in str(lines[1]["message"])
    assert lines[0]["to"] == "138****1234" and "13800001234" not in logged.getvalue()
    assert "10 分钟" in str(lines[0]["message"])  # the rest stays readable
    assert "482913" not in capsys.readouterr().err


runner = CliRunner()


def test_config_show_prints_the_effective_settings_with_secrets_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_DATABASE_URL", "postgresql+psycopg://warden:hunter2@db.internal:6432/warden")
    monkeypatch.setenv("WARDEN_REDIS_URL", "redis://:redispass@cache:6379/0")
    monkeypatch.setenv("WARDEN_WEBHOOK_SECRET", "whsec_c2VjcmV0")
    monkeypatch.setenv("WARDEN_UNBLOCK_WEBHOOK_TOKEN", "sms-token-123")
    monkeypatch.setenv("WARDEN_UNBLOCK_WEBHOOK_URL", "https://sms.example/send?key=abc")
    monkeypatch.setenv("WARDEN_LOG_FORMAT", "json")
    result = runner.invoke(cli, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["database_url"] == "postgresql+psycopg://warden:***@db.internal:6432/warden"
    assert shown["redis_url"] == "redis://:***@cache:6379/0"
    assert shown["webhook_secret"] == "***" and shown["unblock_webhook_token"] == "***"
    assert shown["unblock_webhook_url"] == "https://sms.example/***?***"  # scheme and host: a path may be a key
    assert shown["log_format"] == "json" and shown["metrics_allow"] == "127.0.0.0/8,::1/128"
    for secret in ("hunter2", "redispass", "c2VjcmV0", "sms-token-123", "key=abc"):
        assert secret not in result.output
    table = runner.invoke(cli, ["config", "show"])
    assert table.exit_code == 0 and "WARDEN_DATABASE_URL" in table.output and "hunter2" not in table.output


def test_config_show_names_an_invalid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_METRICS_ALLOW", "everyone")
    result = runner.invoke(cli, ["config", "show"])
    assert result.exit_code == 2 and "WARDEN_METRICS_ALLOW" in result.output and "everyone" in result.output


def test_config_show_masks_a_nats_token_and_a_webhook_key_in_its_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_NATS_URL", "nats://s3cr3t-token@nats-1:4222,nats://user:pw123@nats-2:4222")
    monkeypatch.setenv("WARDEN_WEBHOOK_URL", "https://hooks.example.com/services/T000/B000/XXXXkeyXXXX")
    result = runner.invoke(cli, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["nats_url"] == "nats://***@nats-1:4222,nats://user:***@nats-2:4222"
    assert shown["webhook_url"] == "https://hooks.example.com/***"
    for secret in ("s3cr3t-token", "pw123", "XXXXkeyXXXX", "T000"):
        assert secret not in result.output


@pytest.mark.parametrize("password", ["pa/ss", "pa#ss", "pa?ss", "pa,ss", "pa@ss"])
def test_config_show_masks_a_database_password_holding_url_delimiters(
    monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    """SQLAlchemy reads everything up to the host's `@` as the password (the database connects with it unencoded):
    `config show` masks all of it, not only what a generic URL parser takes for one."""
    monkeypatch.setenv("WARDEN_DATABASE_URL", f"postgresql+psycopg://warden:{password}@db:5432/warden")
    monkeypatch.setenv("WARDEN_UNBLOCK_WEBHOOK_URL", "https://sms.example/send#K3Yfrag")
    result = runner.invoke(cli, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["database_url"] == "postgresql+psycopg://warden:***@db:5432/warden"
    assert shown["unblock_webhook_url"] == "https://sms.example/***#***"
    assert "ss@" not in result.output and "K3Y" not in result.output


def test_config_show_keeps_a_sqlite_url_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_DATABASE_URL", "sqlite:////var/lib/warden/w@rden.db")
    result = runner.invoke(cli, ["config", "show", "--json"])
    assert json.loads(result.output)["database_url"] == "sqlite:////var/lib/warden/w@rden.db"


def test_config_show_names_a_nats_url_that_is_not_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_NATS_URL", "not a url")
    result = runner.invoke(cli, ["config", "show"])
    assert result.exit_code == 2 and "WARDEN_NATS_URL" in result.output and "not a url" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--partitions", "9-2"], "--partitions: '9-2' runs backwards"),
        (["--partitions", "abc"], "--partitions: 'abc' is not a partition"),
        (["--partitions", "0-16"], "--partitions: '0-16': partitions are 0-15"),
        (["--metrics-port", "99999"], "--metrics-port"),
        (["--nats", "notaurl"], "--nats: 'notaurl' is not a NATS server URL"),
        (["--nats", "nats://127.0.0.1:99999"], "--nats: 'nats://127.0.0.1:99999' is not a URL"),
        (["--durable", "a.b"], "--durable: 'a.b' is not a JetStream name"),
        (["--durable", ""], "--durable: '' is not a JetStream name"),
        (["--stream", "my stream"], "--stream: 'my stream' is not a JetStream name"),
        (["--prefix", "warden.*"], "--prefix: 'warden.*' is not a subject prefix"),
        (["--prefix", "a..b"], "--prefix: 'a..b' is not a subject prefix"),
    ],
)
def test_consume_refuses_a_bad_option_naming_it_with_exit_2_before_touching_the_database(
    tmp_path: Path, args: list[str], named: str
) -> None:
    db = tmp_path / "never.db"
    result = runner.invoke(cli, ["consume", "-d", f"sqlite:///{db}", "--until-idle", *args])
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert not db.exists()  # nothing half-written: the database was never created or migrated


def test_publish_refuses_a_nats_url_that_is_not_one_with_exit_2(tmp_path: Path) -> None:
    events = tmp_path / "e.jsonl"
    events.write_text("")
    result = runner.invoke(cli, ["publish", str(events), "--nats", "localhost 4222", "--single-subject"])
    assert result.exit_code == 2 and "--nats: 'localhost 4222' is not a NATS server URL" in result.output


def test_publish_with_a_mistyped_sqlite_path_says_so_with_exit_2_and_creates_no_file(tmp_path: Path) -> None:
    """Partitioning reads the installation's directory: a database file that is not there is a mistake to name
    (it used to be created empty, and the events routed as if nobody were known), and nothing is published."""
    events = tmp_path / "e.jsonl"
    event = {"id": "e1", "type": "contact_request", "occurred_at": "2026-11-25T08:00:00Z", "account_id": "a"}
    events.write_text(json.dumps(event | {"method": "phone_search", "target": "13800138000"}) + "\n")
    db = tmp_path / "wardn.db"
    result = runner.invoke(cli, ["publish", str(events), "-d", f"sqlite:///{db}", "--nats", "nats://127.0.0.1:1"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"no database file at {db}" in said and "nothing was published" in said and "--single-subject" in said
    assert "Traceback" not in result.output
    assert not db.exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///{empty}"])
def test_publish_refuses_an_in_memory_or_empty_sqlite_database_with_exit_2_and_writes_nothing(
    tmp_path: Path, url: str
) -> None:
    events = tmp_path / "e.jsonl"
    event = {"id": "e1", "type": "contact_request", "occurred_at": "2026-11-25T08:00:00Z", "account_id": "a"}
    events.write_text(json.dumps(event | {"method": "phone_search", "target": "13800138000"}) + "\n")
    empty = tmp_path / "empty.db"
    empty.touch()
    result = runner.invoke(cli, ["publish", str(events), "-d", url.format(empty=empty), "--nats", "nats://127.0.0.1:1"])
    assert result.exit_code == 2, result.output
    assert "nothing was published" in " ".join(result.output.split()) and "Traceback" not in result.output
    assert empty.stat().st_size == 0


def test_publish_goes_to_warden_nats_url_and_says_so_when_it_cannot_be_reached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`warden publish` uses WARDEN_NATS_URL as `consume` does (it used to publish to the local server whatever the
    setting said); an unreachable server is one line naming it (token masked) and the connection's error, exit 1."""
    events = tmp_path / "e.jsonl"
    event = {"id": "e1", "type": "contact_request", "occurred_at": "2026-11-25T08:00:00Z", "account_id": "a"}
    events.write_text(json.dumps(event | {"method": "phone_search", "target": "13800138000"}) + "\n")
    monkeypatch.setenv("WARDEN_NATS_URL", "nats://tok3n@127.0.0.1:1")
    result = runner.invoke(cli, ["publish", str(events), "--single-subject"])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "cannot reach NATS JetStream at nats://***@127.0.0.1:1: ConnectionRefusedError" in said
    assert "nothing was published" in said and "tok3n" not in result.output


def test_a_webhook_senders_failure_names_the_gateway_without_its_key() -> None:
    """A failed SMS send is read by the member (a 502's detail) and by operators (the log): it names the gateway by
    scheme and host, never the key its URL carries in the path or query string."""
    from warden.unblock.senders import SendFailed, WebhookSender

    sender = WebhookSender("http://127.0.0.1:1/hooks/K3Y-in-path/send?key=K3Y-in-query", timeout=2)
    with pytest.raises(SendFailed) as failed:
        sender.send("+8613800138000", "code 123456")
    said = str(failed.value)
    assert said.startswith("webhook http://127.0.0.1:1/***?*** unreachable: ")
    assert "K3Y" not in said


def test_readyz_names_the_error_of_a_connection_the_database_dropped(pg_url: str) -> None:
    """A pooled connection the server dropped (a restart, a failover): the reason is the server's own error, not
    SQLAlchemy's `PendingRollbackError` from closing the broken connection; the next check is fine again."""
    from sqlalchemy import text

    from warden.adapters.health import check_database

    engine, admin = make_engine(pg_url), make_engine(pg_url)
    try:
        with engine.connect() as conn:  # the connection the check will get back from the pool
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        reason = check_database(engine)
        assert (
            reason is not None
            and reason.startswith("database postgresql+psycopg://")
            and pg_url.rsplit("/")[-1] in reason
        )
        assert "OperationalError" in reason and "PendingRollbackError" not in reason
        assert check_database(engine) is None
    finally:
        engine.dispose()
        admin.dispose()


def test_a_request_while_the_database_is_away_is_a_503_with_retry_after_not_a_500(
    pg_url: str, clock: FixedClock, policy: LoadedPolicy
) -> None:
    """Found by trying it: with the database down, `POST /v1/events` answered 500. The database being away is not
    the request's fault and a retry mends it: 503, `Retry-After`, in the request's language, nothing stored. The
    server really goes away: every connection to the database is cut and new ones are refused."""
    import sqlalchemy as sa

    name = pg_url.rsplit("/", 1)[-1]
    w = build(pg_url, clock, policy)
    world = World(w, clock)
    world.enterprise()
    world.account()
    platform = {"Authorization": f"Bearer {w.tokens.create(Role.PLATFORM)[1]}"}
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with TestClient(create_app(w, Settings()), client=LOCAL, raise_server_exceptions=False) as api:
            with admin.connect() as c:
                c.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            try:
                answers = [
                    api.post(f"/v1/events?lang={lang}", json=world.phone_search(), headers=platform)
                    for lang in ("en", "zh")
                ]
            finally:
                with admin.connect() as c:
                    c.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        for r in answers:
            assert r.status_code == 503, r.text
            assert r.headers["content-type"] == "application/problem+json" and r.headers["Retry-After"] == "5"
            assert r.json()["type"].endswith("/service-unavailable")
        assert "nothing was stored" in answers[0].json()["detail"] and "未保存" in answers[1].json()["detail"]
        assert w.enforcement.get_account("acc-1") is not None  # back once the server is
    finally:
        w.engine.dispose()
        admin.dispose()
