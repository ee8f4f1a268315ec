"""Enterprise usage policy in ingest (S-E1): a block rule denies a message before it is stored, and each hit
opens or joins a case once it is, in the batch's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from warden.adapters.store import AuditWriter
from warden.adapters.uow import Connection
from warden.kernel.decision import Decision, Reason, Subject
from warden.pipeline.batch import Batch
from warden.pipeline.feature import Feature
from warden.screening.base import severity_rank
from warden.usage_policy import store
from warden.usage_policy.cases import CaseDesk
from warden.usage_policy.model import Attachment
from warden.usage_policy.policies import PolicyAdmin


class UsagePolicyFeature(Feature):
    """`before_store` checks each message against its sender's enterprise policy (one lookup for all
    enterprises of the batch, compiled policies cached per version) and marks blocked messages on their
    decision; `after_store` opens or joins cases for the hits."""

    name = "usage_policy"

    def __init__(self, policies: PolicyAdmin, cases: CaseDesk) -> None:
        self.policies = policies
        self.cases = cases

    def before_store(self, conn: Connection, batch: Batch) -> None:
        self.check_messages(conn, batch.events, batch.decided(), batch.subjects)

    def after_store(self, conn: Connection, audit: AuditWriter, batch: Batch) -> None:
        self.open_cases(conn, audit, batch.now, batch.events, batch.decided())

    def check_messages(
        self, conn: Connection, events: list[Any], outcomes: list[Decision], subjects: dict[str, Subject]
    ) -> None:
        """Check each message against its sender's enterprise policy; a block rule denies the message."""
        msgs = [
            (e, o) for e, o in zip(events, outcomes, strict=True) if e.type == "message" and e.account_id in subjects
        ]
        if not msgs:
            return
        policies = self.policies.compiled(conn, {subjects[e.account_id].enterprise.id for e, _ in msgs})
        if not policies:
            return
        scoped = [e.account_id for e, _ in msgs if subjects[e.account_id].enterprise.id in policies]
        dept = store.departments_of(conn, scoped)
        for e, o in msgs:
            eid = subjects[e.account_id].enterprise.id
            cp = policies.get(eid)
            if cp is None:
                continue
            hits = cp.check(
                e.text,
                account_id=e.account_id,
                department=dept.get(e.account_id),
                to_external=e.to_external,
                attachments=[Attachment(a.name, tuple(a.labels)) for a in e.attachments],
            )
            if not hits:
                continue
            block = any(h.action == "block_and_warn" for h in hits)
            params = {"enterprise_id": eid, "policy_version": cp.version, "rules": [h.as_dict() for h in hits]}
            code = "usage_policy.blocked" if block else "usage_policy.warned"
            o.reasons.append(Reason(code, "usage_policy", "S-E1", "deny" if block else "warn", params))
            if block:
                o.allowed = False

    def open_cases(
        self, conn: Connection, audit: AuditWriter, now: datetime, events: list[Any], outcomes: list[Decision]
    ) -> None:
        """Open or join one case per message (under its strongest rule) at the batch's `now`, with every rule's
        hits as evidence, the message, its earlier context and its files."""
        for e, o in zip(events, outcomes, strict=True):
            reason = next((r for r in o.reasons if r.rule == "usage_policy"), None)
            if reason is None:
                continue
            context = self._context(conn, e)
            hit_rules = sorted(reason.params["rules"], key=lambda r: -severity_rank(r["severity"]))
            main = hit_rules[0]
            case = self.cases.open_or_join(
                conn,
                audit,
                now,
                reason.params["enterprise_id"],
                e.account_id,
                rule_id=main["rule"],
                category=main["category"],
                severity=main["severity"],
                source="detection",
                first_seen=e.occurred_at,
                key=e.id,
                actor="rules",
                also_rules=[r["rule"] for r in hit_rules],
            )
            message = {
                "event_id": e.id,
                "occurred_at": e.occurred_at.isoformat(),
                "text": e.text,
                "to_external": e.to_external,
                "recipient_id": e.recipient_id,
                "attachments": [a.model_dump() for a in e.attachments],
            }
            for rh in hit_rules:
                store.append_entry(
                    conn,
                    case,
                    "hit",
                    "rules",
                    {
                        "rule": rh["rule"],
                        "title": rh["title"],
                        "action": rh["action"],
                        "severity": rh["severity"],
                        "blocked": o.allowed is False,
                        "hits": rh["hits"],
                        "message": message,
                        "context": context,
                    },
                    now,
                    rule_id=rh["rule"],
                    event_id=e.id,
                )

    def _context(self, conn: Connection, e: Any) -> list[dict[str, Any]]:
        """Up to N earlier messages of the sender (to the same recipient when known): the hit's context."""
        n = self.cases.settings.context_messages
        if n == 0:
            return []
        out = []
        for row in store.earlier_messages(conn, e.account_id, e.occurred_at, e.id, n * 5):
            payload = json.loads(row.payload)
            if e.recipient_id is None or payload.get("recipient_id") == e.recipient_id:
                out.append({"event_id": row.id, "occurred_at": row.occurred_at.isoformat(), "text": payload["text"]})
            if len(out) == n:
                break
        return list(reversed(out))
