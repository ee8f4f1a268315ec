"""The policy's life as pure functions: labels from reviewers' verdicts, the shadow-vs-live difference per rule,
per-rule figures and a backtest's precision and recall. No I/O."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from warden.policy_versions.model import CORRECT, Label, LabelledStrike, ShadowRow

DECIDED_APPEALS = {"upheld": Label.UPHELD, "reduced": Label.REDUCED, "overturned": Label.OVERTURNED}


def label_of(strike_status: str, appeal_statuses: Sequence[str], superseded: bool = False) -> Label | None:
    """The label a strike carries: voided or overturned strikes say so whoever did it (a reviewer's void, an
    appeal's overturn); otherwise the newest decided appeal (upheld, reduced, overturned; `appeal_statuses` oldest
    first); None when nobody judged it (an open or withdrawn appeal is no verdict). A `superseded` strike (the
    system re-decided in event order after a late event and the history lacks it: `pipeline.redecide`; or, stored
    before that status existed, one voided with a `superseded by` reason) carries no label: nobody judged its
    evidence wrong, it would simply not have been made in event order."""
    if strike_status == "superseded" or (strike_status == "voided" and superseded):
        return None
    if strike_status == "voided":
        return Label.VOIDED
    if strike_status == "overturned":
        return Label.OVERTURNED
    for status in reversed(appeal_statuses):
        if status in DECIDED_APPEALS:
            return DECIDED_APPEALS[status]
    return None


@dataclass
class RuleDiff:
    """One rule under shadow vs live: events shadow would have restricted that live did not (`shadow_only`), the
    reverse (`live_only`), and both; up to `examples` event ids of each difference."""

    rule: str
    shadow_only: int = 0
    live_only: int = 0
    both: int = 0
    shadow_only_examples: list[str] = field(default_factory=list)
    live_only_examples: list[str] = field(default_factory=list)


def shadow_diff(rows: Iterable[ShadowRow], examples: int = 5) -> list[RuleDiff]:
    """Per rule, how the shadow's would-be restrictions differ from the live ones on the same events (by rule
    name, sorted)."""
    out: dict[str, RuleDiff] = {}
    for row in rows:
        live, shadow = set(row.live_rules), set(row.shadow_rules)
        for rule in live | shadow:
            d = out.setdefault(rule, RuleDiff(rule))
            if rule in live and rule in shadow:
                d.both += 1
            elif rule in shadow:
                d.shadow_only += 1
                if len(d.shadow_only_examples) < examples:
                    d.shadow_only_examples.append(row.event_id)
            else:
                d.live_only += 1
                if len(d.live_only_examples) < examples:
                    d.live_only_examples.append(row.event_id)
    return [out[k] for k in sorted(out)]


@dataclass(frozen=True)
class Figures:
    """A rule's record under one policy: `hits` (decisions whose reasons name the rule), `restrictions` (strikes it
    issued), `appealed` strikes, `labelled` strikes and how many were `correct` (upheld or reduced) or `wrong`
    (overturned or voided); the shares are None when their denominator is 0."""

    hits: int
    restrictions: int
    appealed: int
    labelled: int
    correct: int
    wrong: int

    @property
    def appealed_share(self) -> float | None:
        return self.appealed / self.restrictions if self.restrictions else None

    @property
    def overturn_rate(self) -> float | None:
        """Wrong among the labelled strikes (overturned or voided)."""
        return self.wrong / self.labelled if self.labelled else None

    @property
    def precision(self) -> float | None:
        """Estimated precision: correct among the labelled strikes. Unlabelled strikes are left out, so this is the
        precision of what people looked at (appealed strikes are not a random sample: read it as a lower bound)."""
        return self.correct / self.labelled if self.labelled else None


def figures(strikes: Iterable[LabelledStrike], hits: int) -> Figures:
    """Figures of one rule under one policy from its strikes (with labels) and its hit count."""
    n = appealed = labelled = correct = 0
    for s in strikes:
        n += 1
        appealed += s.appealed
        if s.label is not None:
            labelled += 1
            correct += s.label in CORRECT
    return Figures(hits, n, appealed, labelled, correct, labelled - correct)


@dataclass(frozen=True)
class Recall:
    """A candidate policy against the labelled history, for one rule: labelled strikes whose (account, rule) the
    candidate strikes too, judged correct (`true_pos`) or wrong (`false_pos`); correct ones it no longer strikes
    (`false_neg`); and (account, rule) pairs it strikes that nobody judged (`unlabelled`)."""

    rule: str
    true_pos: int
    false_pos: int
    false_neg: int
    unlabelled: int

    @property
    def precision(self) -> float | None:
        d = self.true_pos + self.false_pos
        return self.true_pos / d if d else None

    @property
    def recall(self) -> float | None:
        d = self.true_pos + self.false_neg
        return self.true_pos / d if d else None


def backtest(labelled: Iterable[LabelledStrike], candidate: Iterable[tuple[str, str]]) -> list[Recall]:
    """Per rule, a replay's strikes (`(account id, rule)` pairs) against the labelled history's account strikes.

    Matched by account and rule, not by event: a candidate with other thresholds strikes the same behaviour at
    another event. Each labelled strike counts once: a correct one (upheld, reduced) the candidate also makes is a
    true positive, one it does not make a miss; a wrong one (overturned, voided) it still makes is a false positive.
    Sorted by rule."""
    judged = [s for s in labelled if s.label is not None and s.account_id]
    made = set(candidate)
    seen = {(s.account_id, s.rule_id) for s in judged}
    rules = sorted({r for _, r in made} | {s.rule_id for s in judged})
    out = []
    for rule in rules:
        tp = fp = fn = 0
        for s in judged:
            if s.rule_id != rule:
                continue
            hit = (s.account_id, rule) in made
            if s.label in CORRECT:
                tp += hit
                fn += not hit
            else:
                fp += hit
        unl = sum(1 for k in made if k[1] == rule and k not in seen)
        out.append(Recall(rule, tp, fp, fn, unl))
    return out


def text_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff of two policy texts."""
    return "".join(
        difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name)
    )
