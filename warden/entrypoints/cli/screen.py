"""`warden screen`: the screening engine and the S-A6 judgement from the command line, in full detail (an operator's
tool: the folded text, the technique of each hit, the policy context that changed the outcome). `warden bench
screen` is `warden.bench`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.text import Text

from warden.enforcement.policy import Circumstances
from warden.kernel.durations import parse_duration
from warden.screening.base import Hit

_SEVERITY_STYLE = {"low": "black on yellow", "medium": "black on dark_orange", "high": "bold white on red"}


def highlight(text: str, hits: Sequence[Hit]) -> Text:
    """The text with every hit's original span styled by severity (strongest wins where they overlap)."""
    out = Text(text)
    for h in sorted(hits, key=lambda h: ("low", "medium", "high").index(h.severity)):
        out.stylize(_SEVERITY_STYLE[h.severity], h.start, h.end)
    return out


def _inputs(texts: list[str] | None) -> Iterable[str]:
    if texts:
        yield from texts
        return
    for line in sys.stdin:
        yield line.rstrip("\r\n")


def situation(kind: str, internal: bool, contact_age: str | None, initiated_by: str) -> Circumstances:
    """The situation the options describe (a greeting always goes outside; a contact only for an external
    message). ``contact_age`` is read whatever the kind, as `POST /v1/screenings` reads it: a value that is no
    duration is a ValueError even where it does not count (a greeting)."""
    age = None if contact_age is None else parse_duration(contact_age)
    if kind == "greeting":
        return Circumstances("greeting", "external")
    if internal:
        return Circumstances("message", "internal")
    if age is None:
        return Circumstances("message", "external")
    by: Literal["self", "contact"] = "contact" if initiated_by == "contact" else "self"
    return Circumstances("message", "external", age, by)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `screen` to the main app (`bench` is unused: `warden bench screen` is `warden.bench.cli`)."""

    @app.command("screen")
    def screen(
        texts: Annotated[
            list[str] | None, typer.Argument(help="Texts to screen; one per line from stdin when omitted.")
        ] = None,
        as_json: Annotated[
            bool,
            typer.Option(
                "--json",
                help="One JSON object per input: {text, blocked, outcome, folded, situation, context?, hits: [...]}.",
            ),
        ] = False,
        kind: Annotated[
            str, typer.Option("--kind", help="greeting (a contact request, cold outreach) or message.")
        ] = "greeting",
        internal: Annotated[bool, typer.Option("--internal", help="A message to a colleague (not external).")] = False,
        contact_age: Annotated[
            str | None,
            typer.Option("--contact-age", help="The recipient is an external contact this old (10m, 24h, 7d)."),
        ] = None,
        initiated_by: Annotated[
            str, typer.Option("--initiated-by", help="Who added whom: self (the sender asked) or contact.")
        ] = "self",
        policy_file: Annotated[
            Path | None, typer.Option("--policy", help="Policy file (default: the shipped policy).")
        ] = None,
    ) -> None:
        """Screen texts for sensitive words in their disguises and for contact details (S-A6, S-E3), and judge them
        as S-A6 would in the situation given (the policy's `sensitive_words.contexts`)."""
        from warden.adapters.policy_file import load_policy
        from warden.bootstrap import build_screener
        from warden.policy import PolicyError
        from warden.word_lists.service import screening

        if kind not in ("greeting", "message"):
            raise typer.BadParameter("give greeting or message", param_hint="--kind")
        if initiated_by not in ("self", "contact"):
            raise typer.BadParameter(
                "give self (the sender asked) or contact (the contact added them)", param_hint="--initiated-by"
            )
        try:
            where = situation(kind, internal, contact_age, initiated_by)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--contact-age") from exc
        try:
            loaded = load_policy(policy_file) if policy_file else load_policy()
        except PolicyError as exc:
            raise typer.BadParameter(str(exc), param_hint="--policy") from exc
        rule = loaded.policy.rules.sensitive_words
        screener = build_screener(loaded)
        console = Console(highlight=False)
        for text in _inputs(texts):
            hits = screener.screen(text)
            out = screening(rule, text, hits, where, full=True)
            if as_json:
                sys.stdout.write(json.dumps(out.model_dump(exclude_none=True), ensure_ascii=False) + "\n")
                continue
            console.print(highlight(text, hits))
            console.print(f"  folded: {out.folded}", markup=False)
            if not hits:
                console.print("  [green]no hits[/]")
            for h, shown in zip(hits, out.hits or [], strict=True):
                how = f"  ({', '.join(shown.techniques)})" if shown.techniques else ""
                console.print(
                    f"  [bold]{h.term}[/]  {h.category}  {h.severity}  via {h.channel}"
                    f"  [{h.start}:{h.end}] {h.matched!r}{how}  → {shown.effect}",
                    markup=True,
                )
            ctx = out.context
            if ctx is not None:
                console.print(f"  context: {ctx.name} (verdict {ctx.verdict}) {ctx.note}", markup=False)
            console.print(f"  outcome: {out.outcome} ({where.kind}, {where.audience})", markup=False)
