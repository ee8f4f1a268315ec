"""The policy FILE schema: every rule, threshold, window, severity and the penalty ladder, in one human-edited file.

`Policy` is the core (version, timezone, ladder), the S-A rules (`warden.enforcement.policy.Rules`) and one section
per feature. The text is YAML (comments and Chinese welcome); `load_policy_text` parses and validates it and reports
errors as `file:line: where: what is wrong` (reading the file is `warden.adapters.policy_file.load_policy`).
Conditions are declarative (`when: {account_age_days: {lt: 30}}`), never
evaluated code. The policy's version is the SHA-256 of the file's bytes; every decision records it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field, ValidationError, model_validator

from warden.appeals.policy import AppealsPolicy  # appeals (issue 6): the `appeals:` section
from warden.enforcement.policy import RuleBase, Rules
from warden.kernel.durations import Strict
from warden.kernel.policy import Ladder
from warden.unblock.policy import UnblockPolicy  # unblocking (issue 5): the section's models
from warden.usage_policy.policy import EnterpriseUsageSettings  # enterprise usage policy (issue 7)
from warden.weight.policy import WeightPolicy  # weight (issue 4): the `weight:` section's model


class Policy(Strict):
    version: str = Field(min_length=1, max_length=64)
    timezone: str = "Asia/Shanghai"
    ladder: Ladder
    rules: Rules
    # Feature sections, one per feature, each with defaults so older files stay valid.
    # --- weight (issue 4) ---
    weight: WeightPolicy = WeightPolicy()

    # --- unblocking (issue 5) ---
    unblocking: UnblockPolicy = UnblockPolicy()

    # --- appeals (issue 6) ---
    appeals: AppealsPolicy = AppealsPolicy()

    # --- enterprise usage policy (issue 7) ---
    enterprise_usage: EnterpriseUsageSettings = EnterpriseUsageSettings()

    # --- end of feature sections ---

    @model_validator(mode="after")
    def _severities_known(self) -> Policy:
        for name in Rules.model_fields:
            rule: RuleBase = getattr(self.rules, name)
            if rule.severity not in self.ladder.severities:
                raise ValueError(
                    f"rules.{name}.severity {rule.severity!r} is not a severity class of the ladder "
                    f"({', '.join(self.ladder.severities)})"
                )
        for reason, sev in self.rules.reports.reason_severity.items():
            if sev not in self.ladder.severities:
                raise ValueError(
                    f"rules.reports.reason_severity.{reason} {sev!r} is not a severity class of the ladder "
                    f"({', '.join(self.ladder.severities)})"
                )
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(self.timezone)
        except Exception as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        return self


# --- loading -------------------------------------------------------------------------------------------


class PolicyError(Exception):
    """A policy file that cannot be used; `problems` are `file:line: where: what` lines."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    hash: str  # sha256 of the file's bytes: the version every decision records
    source: str
    text: str

    @property
    def short_hash(self) -> str:
        return self.hash[:12]


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """Walk ruamel's round-trip nodes along a pydantic error location to the nearest known line."""
    line = None
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                line = (lc.item(part) if isinstance(part, int) else lc.key(part))[0] + 1
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


MAX_POLICY_CHARS = 256_000
"""The longest policy text accepted (characters): ~12x the default policy file (20 KB); bounds every parse."""
MAX_POLICY_DEPTH = 32
"""The deepest nesting of mappings and lists accepted: the default policy nests 6 deep; a deeper text is refused
from the event stream, before the (recursive) composer runs out of stack."""


def _refuse_aliases(yaml: Any, text: str, source: str) -> None:
    """Refuse YAML anchors (`&a`) and aliases (`*a`), and nesting deeper than `MAX_POLICY_DEPTH`, from the event
    stream, before any node is built.

    An alias repeats a node without writing it again, so a few hundred bytes of nested aliases ("billion laughs")
    expand to millions of nodes when the document is turned into plain data. A policy is written by hand and
    needs neither; refusing them keeps parsing linear in the text's size. Raises `PolicyError` naming the line.
    """
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    depth = 0
    for event in yaml.parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_POLICY_DEPTH:
                raise PolicyError(
                    source,
                    [
                        f"{source}:{event.start_mark.line + 1}: mappings and lists nest more than "
                        f"{MAX_POLICY_DEPTH} deep; a policy nests a few levels at most"
                    ],
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        kind = "alias" if isinstance(event, AliasEvent) else "anchor"
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor):
            mark = event.start_mark
            name = event.anchor
            raise PolicyError(
                source,
                [
                    f"{source}:{mark.line + 1}: YAML {kind} {'*' if kind == 'alias' else '&'}{name} is not allowed "
                    "in a policy (anchors and aliases are refused: write each value out)"
                ],
            )


TermCheck = Callable[[str], str | None]
"""What is wrong with a word of the policy's lists (None: nothing): `screening.terms`, handed in by the loaders that
may fold text (this file stays pure)."""


def load_policy_text(text: str, source: str = "<policy>", *, term_check: TermCheck | None = None) -> LoadedPolicy:
    """Parse and validate a policy text (YAML) → `LoadedPolicy`.

    Raises `PolicyError` (`file:line: where: what` lines) for a text over `MAX_POLICY_CHARS`, YAML anchors or
    aliases (refused before anything is expanded), invalid YAML, or a policy the schema refuses — and, given
    `term_check`, a word of `rules.sensitive_words.words` it finds wrong.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if len(text) > MAX_POLICY_CHARS:
        raise PolicyError(
            source, [f"{source}:1: the policy text is {len(text):,} characters; at most {MAX_POLICY_CHARS:,}"]
        )
    yaml = YAML(typ="rt")
    try:
        _refuse_aliases(yaml, text, source)
        doc = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise PolicyError(source, [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if not isinstance(doc, dict):
        raise PolicyError(source, [f"{source}:1: the policy must be a mapping with version, ladder and rules"])
    try:
        policy = Policy.model_validate(_plain(doc), context={"term_check": term_check})
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            line = _line_of(doc, loc)
            where = ".".join(str(p) for p in loc) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling)"
            elif err["type"] == "missing":
                msg = "required but missing"
            problems.append(f"{source}:{line or '?'}: {where}: {msg}")
        raise PolicyError(source, problems) from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedPolicy(policy=policy, hash=digest, source=source, text=text)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
