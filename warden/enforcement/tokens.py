"""API tokens: create (the secret is shown once, only its SHA-256 is stored), authenticate (cached), revoke."""

from __future__ import annotations

import hashlib
import secrets
import time

from warden.adapters import store as core
from warden.adapters.uow import UnitOfWork
from warden.enforcement import store
from warden.kernel.access import Principal, Role, validate_scope
from warden.kernel.errors import InvalidInput, NotFound

TOKEN_CACHE_SECONDS = 30.0
"""How long (seconds) a process trusts an authentication answer: a revocation reaches every process within it."""


class Tokens:
    """Bearer tokens of the HTTP API, each with a role and a scope (enterprise, account). Each call is one
    transaction of `uow`; created and revoked tokens are audited."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._tokens: dict[str, tuple[Principal, float]] = {}

    def create(
        self,
        role: Role,
        enterprise_id: str | None = None,
        account_id: str | None = None,
        label: str = "",
        actor: str = "cli",
    ) -> tuple[Principal, str]:
        """A new token's principal and its secret (`wdn_<id>_…`, shown once). A member's token takes the
        enterprise of its account. InvalidInput for a scope that does not fit the role or names nothing known."""
        problem = validate_scope(role, enterprise_id, account_id)
        if problem:
            raise InvalidInput(problem)
        token_id = secrets.token_hex(6)
        secret = f"wdn_{token_id}_{secrets.token_urlsafe(24)}"
        with self.uow.writing() as tx:
            if enterprise_id and core.get_enterprise(tx.conn, enterprise_id) is None:
                raise InvalidInput(f"no enterprise {enterprise_id!r}")
            if account_id:
                acc = core.get_account(tx.conn, account_id)
                if acc is None:
                    raise InvalidInput(f"no account {account_id!r}")
                enterprise_id = acc.enterprise_id
            principal = Principal(token_id, role, enterprise_id, account_id)
            store.insert_token(tx.conn, principal, _hash(secret), label, tx.now)
            tx.audit.append(
                tx.now,
                actor,
                "token.created",
                f"token:{token_id}",
                {"role": role.value, "enterprise": enterprise_id, "account": account_id},
            )
        return principal, secret

    def authenticate(self, secret: str) -> Principal | None:
        """The token's principal, or None. Answers are cached for `TOKEN_CACHE_SECONDS`, so a revocation
        reaches every server process within that time."""
        key = _hash(secret)
        hit = self._tokens.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with self.uow.reading() as tx:
            principal = store.token_principal(tx.conn, key)
        if principal is not None:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[key] = (principal, time.monotonic() + TOKEN_CACHE_SECONDS)
        return principal

    def revoke(self, token_id: str, actor: str) -> None:
        """Revoke the token now (NotFound when no unrevoked token has that id); this process forgets it at once."""
        with self.uow.writing() as tx:
            if not store.revoke_token(tx.conn, token_id, tx.now):
                raise NotFound(f"no active token {token_id!r}")
            tx.audit.append(tx.now, actor, "token.revoked", f"token:{token_id}", {})
        self._tokens = {k: v for k, v in self._tokens.items() if v[0].token_id != token_id}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
