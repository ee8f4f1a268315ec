"""What every demo scene shares: `Demo`, the application, the clock's 'now', the stream and the people in it.

A scene is a function `scene(d: Demo) -> None`: it registers its enterprises and accounts (through
`app.enforcement`), appends its events to `d.events` and may add a step to `d.after`, run once the whole
stream is in. Scenes call services only (`app.enforcement`, `app.tokens`, `app.pipeline`, a slice's service).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console

from warden.app import App
from warden.kernel.decision import Decision
from warden.kernel.model import Account, Enterprise

Scene = Callable[["Demo"], None]


@dataclass
class Demo:
    """What scenes share: the application, the clock's 'now', the stream, people worth showing.

    `events` are event dicts as the API takes them (times ISO 8601, `minutes_ago` before `now`); `decisions`
    holds the decision on each event once the stream is played (event id → `Decision`); `tokens` maps a role's
    label to a bearer token a scene printed.
    """

    app: App
    console: Console
    now: datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)  # account id → who they are in the story
    after: list[Scene] = field(default_factory=list)  # run once the stream is in
    decisions: dict[str, Decision] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    _n: int = 0

    def at(self, minutes_ago: float) -> str:
        return (self.now - timedelta(minutes=minutes_ago)).isoformat()

    def event(self, type_: str, minutes_ago: float, **fields: Any) -> None:
        self._n += 1
        self.events.append({"id": f"demo-{self._n:05d}", "type": type_, "occurred_at": self.at(minutes_ago), **fields})

    def enterprise(self, id_: str, name: str, verified: bool, age_days: int) -> None:
        self.app.enforcement.register_enterprise(
            Enterprise(id_, name, verified, self.now - timedelta(days=age_days)), "demo"
        )

    def account(
        self,
        id_: str,
        ent: str,
        who: str,
        *,
        verified: bool = True,
        age_days: int = 400,
        phone: str = "",
        profile: bool = True,
    ) -> None:
        self.people[id_] = who
        phone = phone or f"138{abs(hash(id_)) % 10**8:08d}"
        self.app.enforcement.register_account(
            Account(
                id_,
                ent,
                phone,
                verified,
                self.now - timedelta(days=age_days),
                avatar="https://img.example/a.png" if profile else None,
                nickname=who if profile else None,
                external_card="card" if profile else None,
            ),
            "demo",
        )
