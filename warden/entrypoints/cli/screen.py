"""`warden screen`: the screening engine from the command line (`warden bench screen` is `warden.bench`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

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


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `screen` to the main app (`bench` is unused: `warden bench screen` is `warden.bench.cli`)."""

    @app.command("screen")
    def screen(
        texts: Annotated[
            list[str] | None, typer.Argument(help="Texts to screen; one per line from stdin when omitted.")
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="One JSON object per input: {text, hits: [...]}.")
        ] = False,
    ) -> None:
        """Screen texts for sensitive words in their disguises and for contact details (S-A6, S-E3)."""
        from warden.screening import build_default_engine

        engine = build_default_engine()
        console = Console(highlight=False)
        for text in _inputs(texts):
            hits = engine.screen(text)
            if as_json:
                payload = {"text": text, "hits": [h.as_dict() for h in hits]}
                sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
                continue
            console.print(highlight(text, hits))
            if not hits:
                console.print("  [green]no hits[/]")
            for h in hits:
                console.print(
                    f"  [bold]{h.term}[/]  {h.category}  {h.severity}  via {h.channel}"
                    f"  [{h.start}:{h.end}] {h.matched!r}",
                    markup=True,
                )
