"""API tokens: create (the secret is shown once, only its SHA-256 is stored), authenticate (cached), revoke."""

from __future__ import annotations

import hashlib
import secrets
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.kernel.access import Principal, Role, validate_scope
from warden.kernel.clock import Clock
from warden.kernel.errors import InvalidInput, NotFound

TOKEN_CACHE_SECONDS = 30.0
"""How long (seconds) a process trusts an authentication answer: a revocation reaches every process within it."""


class Tokens:
    """Bearer tokens of the HTTP API, each with a role and a scope (enterprise, account)."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._tokens: dict[str, tuple[Principal, float]] = {}

    def create(
        self,
        role: Role,
        enterprise_id: str | None = None,
        account_id: str | None = None,
        label: str = "",
        actor: str = "cli",
    ) -> tuple[Principal, str]:
        problem = validate_scope(role, enterprise_id, account_id)
        if problem:
            raise InvalidInput(problem)
        token_id = secrets.token_hex(6)
        secret = f"wdn_{token_id}_{secrets.token_urlsafe(24)}"
        now = self.clock.now()
        with self.engine.begin() as conn:
            if enterprise_id and store.get_enterprise(conn, enterprise_id) is None:
                raise InvalidInput(f"no enterprise {enterprise_id!r}")
            if account_id:
                acc = store.get_account(conn, account_id)
                if acc is None:
                    raise InvalidInput(f"no account {account_id!r}")
                enterprise_id = acc.enterprise_id
            conn.execute(
                sa.insert(t.tokens).values(
                    id=token_id,
                    secret_hash=_hash(secret),
                    role=role.value,
                    enterprise_id=enterprise_id,
                    account_id=account_id,
                    label=label,
                    created_at=now,
                )
            )
            store.AuditWriter(conn).append(
                now,
                actor,
                "token.created",
                f"token:{token_id}",
                {"role": role.value, "enterprise": enterprise_id, "account": account_id},
            )
        return Principal(token_id, role, enterprise_id, account_id), secret

    def authenticate(self, secret: str) -> Principal | None:
        """The token's principal, or None. Answers are cached for `TOKEN_CACHE_SECONDS`, so a revocation
        reaches every server process within that time."""
        key = _hash(secret)
        hit = self._tokens.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with reading(self.engine) as conn:
            row = conn.execute(
                sa.select(t.tokens).where(t.tokens.c.secret_hash == key, t.tokens.c.revoked_at.is_(None))
            ).first()
        principal = None if row is None else Principal(row.id, Role(row.role), row.enterprise_id, row.account_id)
        if principal is not None:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[key] = (principal, time.monotonic() + TOKEN_CACHE_SECONDS)
        return principal

    def revoke(self, token_id: str, actor: str) -> None:
        now = self.clock.now()
        with self.engine.begin() as conn:
            res = conn.execute(
                sa.update(t.tokens)
                .where(t.tokens.c.id == token_id, t.tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            if not res.rowcount:
                raise NotFound(f"no active token {token_id!r}")
            store.AuditWriter(conn).append(now, actor, "token.revoked", f"token:{token_id}", {})
        self._tokens = {k: v for k, v in self._tokens.items() if v[0].token_id != token_id}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
