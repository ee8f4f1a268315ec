"""State changes the rules read later: profile fields and verification (of an account, or of its enterprise)."""

from __future__ import annotations

from warden.kernel import events as ev
from warden.kernel.decision import Subject
from warden.pipeline.context import RuleContext


def profile_change(e: ev.ProfileChange, subject: Subject, ctx: RuleContext) -> None:
    setattr(subject.account, e.field, e.value or None)
    ctx.batch.effects.accounts[subject.account.id] = subject.account


def verification_change(e: ev.VerificationChange, subject: Subject, ctx: RuleContext) -> None:
    effects = ctx.batch.effects
    if e.enterprise_id is not None:
        subject.enterprise.verified = e.verified
        effects.enterprises[subject.enterprise.id] = subject.enterprise
    else:
        subject.account.real_name_verified = e.verified
        effects.accounts[subject.account.id] = subject.account
