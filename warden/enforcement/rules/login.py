"""Login: S-A6 plug-in software restricts; an account under a login restriction is refused (S-C1)."""

from __future__ import annotations

from warden.kernel import events as ev
from warden.kernel.decision import Reason, StrikeRequest, Subject
from warden.kernel.model import Action, Restriction
from warden.pipeline.context import RuleContext, already_restricted_by


def plugin_software(e: ev.Login, subject: Subject, ctx: RuleContext) -> None:
    """S-A6: a reported plug-in signature (any, or one of `known_signatures`) refuses and restricts."""
    rule = ctx.policy.rules.plugin_software
    if not (rule.enabled and e.plugin_signatures):
        return
    at = e.occurred_at
    known = set(rule.known_signatures)
    found = [s for s in e.plugin_signatures if not known or s in known]
    if found:
        params = {"signatures": found, "device_id": e.device_id, "client_version": e.client_version}
        ctx.decision.reasons.append(Reason("plugin.detected", "plugin_software", rule.spec, "deny", params))
        if not already_restricted_by(subject, "plugin_software", at):
            ctx.strike(
                subject,
                StrikeRequest(rule="plugin_software", severity=rule.severity, at=at, evidence=params, event_id=e.id),
            )


def login_restricted(e: ev.Login, subject: Subject, ctx: RuleContext) -> None:
    """S-C1: refused while a restriction that blocks login is active (the plug-in strike just issued included)."""
    blocking = subject.blocked(Action.LOGIN, e.occurred_at)
    if blocking:
        ctx.decision.allowed = False
        ctx.decision.reasons.append(
            Reason(
                "login.restricted",
                "restriction",
                "S-C1",
                "deny",
                {
                    "restrictions": [r.id for r in blocking],
                    "rules": sorted({r.rule_id for r in blocking}),
                    "until": latest_end(blocking),
                },
            )
        )


def latest_end(restrictions: list[Restriction]) -> str | None:
    """The ISO time the last of `restrictions` ends, or None when one never ends."""
    if any(r.ends_at is None for r in restrictions):
        return None
    return max(r.ends_at for r in restrictions if r.ends_at is not None).isoformat()
