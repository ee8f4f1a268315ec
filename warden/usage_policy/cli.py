"""`warden cases …`: the enterprise compliance desk from the command line (escalate overdue, list); `warden
scheduler`: escalation on time and the outbox's delivery, without cron (issue 15)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from warden.entrypoints.cli.options import DatabaseOpt
from warden.kernel.access import Principal, Role
from warden.kernel.errors import NotFound
from warden.kernel.timefmt import when

OPERATOR = Principal("cli", Role.AUDITOR)
"""Who the command line reads cases as: every enterprise's, with real account ids."""


def register(app: typer.Typer, bench: typer.Typer) -> None:
    cases_app = typer.Typer(help="Enterprise usage-policy cases (S-E1–S-E5).", no_args_is_help=True)
    app.add_typer(cases_app, name="cases")

    from warden.entrypoints.cli.main import console, fail, open_warden

    @cases_app.command("escalate")
    def escalate(
        enterprise: Annotated[str | None, typer.Option(help="Only this enterprise (default: all).")] = None,
        database: DatabaseOpt = None,
    ) -> None:
        """Escalate every undecided case past its deadline (S-E2); each escalation is audited once."""
        w = open_warden(database)
        try:
            done = w.case_outcomes.escalate_overdue("cli", enterprise)
        except NotFound as exc:
            raise fail(f"--enterprise: {exc.detail}", 2) from exc
        for c in done:
            console.print(
                f"escalated {c.id} ({c.enterprise_id}, severity {c.severity}, deadline "
                f"{when(c.deadline_at, 'en', w.loaded.policy.timezone)})"
            )
        console.print(f"{len(done)} overdue case(s) escalated")

    @app.command("scheduler")
    def scheduler(
        once: Annotated[
            bool, typer.Option("--once", help="One pass, then exit (for a test or a one-off run).")
        ] = False,
        interval: Annotated[float, typer.Option(min=1.0, help="Seconds between passes.")] = 30.0,
        database: DatabaseOpt = None,
    ) -> None:
        """Escalate usage-policy cases as they fall overdue and deliver the notification outbox, without cron
        (issue 15). Each case request already runs the same due-time check; this keeps it on time when nobody
        asks. Safe to run beside servers and more than once: each escalation and notice happens once."""
        import time

        w = open_warden(database)
        while True:
            done = w.case_outcomes.due(None, deliver=False)
            report = w.appeals.deliver()
            console.print(f"{len(done)} case(s) escalated; {report.sent} notice(s) sent, {report.failed} to retry")
            if once:
                return
            time.sleep(interval)

    @bench.command("usage-policy")
    def bench_usage_policy(
        events: Annotated[int, typer.Option(help="Message events per run.")] = 5000,
        words: Annotated[int, typer.Option(help="Keyword rules × 300 words in the policy.")] = 10,
    ) -> None:
        """Message ingest with no enterprise policy vs a full one (detectors + keyword lists), on SQLite."""
        run_bench(events, words, console)

    @cases_app.command("list")
    def list_cases(
        enterprise: Annotated[str, typer.Option(help="Enterprise id.")],
        database: DatabaseOpt = None,
    ) -> None:
        """The enterprise's cases, newest first, with deadlines and overdue flags."""
        w = open_warden(database)
        try:
            items, _ = w.cases.list_cases(OPERATOR, enterprise, limit=500)
        except NotFound as exc:
            raise fail(f"--enterprise: {exc.detail}", 2) from exc
        now = w.clock.now()
        table = Table(title=f"Cases of {enterprise}")
        for col in ("case", "account", "rule", "severity", "status", "deadline", "overdue", "outcome"):
            table.add_column(col)
        for c in items:
            table.add_row(
                c.id,
                c.account_id,
                c.rule_id or c.category,
                c.severity,
                c.status,
                when(c.deadline_at, "en", w.loaded.policy.timezone),
                "yes" if c.overdue(now) else "",
                c.outcome or "",
            )
        console.print(table)
        console.print(f"{len(items)} case(s), {sum(1 for c in items if c.overdue(now))} overdue")


def run_bench(n: int, keyword_rules: int, console: Any) -> None:
    """Events/s for message batches without and with an enterprise policy; prints figures, never pass/fail."""
    import tempfile
    import time
    from datetime import timedelta
    from pathlib import Path

    from warden.adapters.clock import SystemClock
    from warden.bootstrap import bootstrap
    from warden.kernel.model import Account, Enterprise
    from warden.settings import Settings
    from warden.usage_policy.policy import UsagePolicyDoc

    rules: list[dict[str, Any]] = [
        {
            "id": "pii",
            "title": "pii",
            "detectors": ["id_number", "bank_card", "mobile_number", "email"],
            "severity": "high",
            "action": "block_and_warn",
            "external_only": True,
        },
        {
            "id": "marks",
            "title": "marks",
            "detectors": ["confidential_marking", "confidential_file"],
            "severity": "medium",
        },
    ]
    rules += [
        {"id": f"kw{i}", "title": f"kw{i}", "words": [f"机密词{i:02d}{j:03d}" for j in range(300)], "severity": "low"}
        for i in range(keyword_rules)
    ]
    table = Table(title=f"Message ingest, {n} events in batches of 500 (SQLite, one process)")
    for col in ("enterprise policy", "events/s", "blocked", "cases opened"):
        table.add_column(col)
    for label, with_policy in (("none", False), (f"{len(rules)} rules, {keyword_rules * 300} words", True)):
        with tempfile.TemporaryDirectory() as tmp:
            w = bootstrap(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}"))
            now = SystemClock().now()
            w.enforcement.register_enterprise(Enterprise("ent-b", "bench", True, now - timedelta(days=900)), "bench")
            for i in range(100):
                w.enforcement.register_account(
                    Account(f"acc-{i}", "ent-b", f"1380000{i:04d}", True, now - timedelta(days=400)), "bench"
                )
            if with_policy:
                admin = Principal("bench", Role.ENTERPRISE_ADMIN, "ent-b")
                w.usage_policies.put_policy(admin, "ent-b", UsagePolicyDoc.model_validate({"rules": rules}), 0)
            evs = [
                {
                    "id": f"m-{k}",
                    "type": "message",
                    "occurred_at": (now - timedelta(seconds=n - k)).isoformat(),
                    "account_id": f"acc-{k % 100}",
                    "text": (
                        "客户身份证 110105199003071239 请核对"
                        if k % 100 == 0
                        else f"第 {k} 条：明天下午三点开会，带上报价单。"
                    ),
                    "to_external": k % 3 == 0,
                }
                for k in range(n)
            ]
            start = time.perf_counter()
            blocked = 0
            for i in range(0, n, 500):
                blocked += sum(1 for o in w.pipeline.ingest(evs[i : i + 500], "bench").outcomes if o.allowed is False)
            rate = n / (time.perf_counter() - start)
            opened = len(w.cases.list_cases(OPERATOR, "ent-b", limit=500)[0])
            w.engine.dispose()
        table.add_row(label, f"{rate:,.0f}", str(blocked), str(opened))
    console.print(table)
