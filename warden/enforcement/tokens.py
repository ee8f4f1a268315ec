"""People and their API tokens (issue 12: one person, one identity; tokens that expire, are listed and revoked).

- **People.** Every token belongs to a person (`people`): the actor string the audit trail records and four-eyes
  checks compare names the person (`reviewer:zhang`), so two tokens of one person are one pair of eyes. A token made
  without a person gets one of its own (id = the token's id, named after its label). Disabling a person refuses
  every token of theirs at once.
- **Create.** The secret is shown once; only its SHA-256 is stored. A token lives `lifetime` (the setting
  `WARDEN_TOKEN_LIFETIME`, default 90 days) unless `expires_in` says otherwise (at most `MAX_LIFETIME`).
- **Authenticate.** One read by the secret's hash per request, with the person: nothing is cached, so a revocation,
  an expiry or a disabled person takes effect at the next request in every process. (The HTTP edge lets requests
  that arrive together with the same token share one read begun after they all arrived: `guard.EdgeGuard`.) The
  time of last use is written at most once per `LAST_USE_EVERY` per token (not on every request), and is not audited.
- **List.** Id, person, role, scope, label, created, expires, last used, revoked: never the secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from warden.adapters import store as core
from warden.adapters.uow import Tx, UnitOfWork
from warden.enforcement import access, store
from warden.enforcement.views import Me, PersonOut, TokenOut, TokenPage
from warden.kernel.access import Principal, Role, validate_scope
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.inputs import CONTROL_MESSAGE, control_in

DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=730)
MAX_LABEL = 200
"""The longest token label (its column's width)."""
"""The longest a token may live (`--expires-in`)."""
LAST_USE_EVERY = timedelta(minutes=1)
SECRET_SHAPE = re.compile(r"wdn_[0-9a-f]{12}_[A-Za-z0-9_-]{32}")
"""What every secret `create` makes looks like: `wdn_`, the token id (6 random bytes, hex), 24 random bytes
(URL-safe base64, 192 bits). Anything else cannot be a token: the edge refuses it unread once an address's budget
of failed authentications is spent."""
"""A token's `last_used_at` is written at most this often (so a busy token costs no write per request)."""


class Tokens:
    """Bearer tokens of the HTTP API, each with a role, a scope (enterprise, account), a person and an end. Each
    call is one transaction of `uow`; people and tokens made, disabled and revoked are audited."""

    def __init__(self, uow: UnitOfWork, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        if not timedelta(0) < lifetime <= MAX_LIFETIME:
            raise ValueError(f"a token's lifetime is more than 0 and at most {MAX_LIFETIME.days} days")
        self.uow = uow
        self.lifetime = lifetime

    # --- people -------------------------------------------------------------------------------------------------

    def create_person(self, person_id: str, name: str | None = None, actor: str = "cli") -> PersonOut:
        """A new person (`person_id`: the handle actors name, see `access.person_handle`; `name` defaults to it).
        InvalidInput for a bad handle, Conflict when it is taken."""
        pid = _handle(person_id)
        with self.uow.writing() as tx:
            if store.person(tx.conn, pid) is not None:
                raise Conflict(f"person {pid!r} exists already")
            self._insert_person(tx, pid, name or pid, actor)
            row = store.person(tx.conn, pid)
        assert row is not None
        return _person_out(row)

    def disable_person(self, person_id: str, actor: str = "cli") -> None:
        """Disable the person: every token of theirs is refused from the next request on, in every process.
        NotFound when no enabled person has that id."""
        pid = _handle(person_id)
        with self.uow.writing() as tx:
            if not store.disable_person(tx.conn, pid, tx.now):
                raise NotFound(f"no enabled person {pid!r}")
            tx.audit.append(tx.now, actor, "person.disabled", f"person:{pid}", {})

    def people(self) -> list[PersonOut]:
        with self.uow.reading() as tx:
            return [_person_out(r) for r in store.people(tx.conn)]

    def holders(self, role: Role) -> dict[str, str]:
        """Person id → name of everyone holding a live token of `role` (the desk's colleagues, issue 14)."""
        with self.uow.reading() as tx:
            return dict(store.live_holders(tx.conn, role.value, tx.now))

    def _insert_person(self, tx: Tx, pid: str, name: str, actor: str) -> None:
        store.insert_person(tx.conn, pid, name[:200], tx.now)
        tx.audit.append(tx.now, actor, "person.created", f"person:{pid}", {"name": name[:200]})

    # --- tokens -------------------------------------------------------------------------------------------------

    def create(
        self,
        role: Role,
        enterprise_id: str | None = None,
        account_id: str | None = None,
        label: str = "",
        actor: str = "cli",
        *,
        person: str | None = None,
        expires_in: timedelta | None = None,
    ) -> tuple[Principal, str]:
        """A new token's principal and its secret (`wdn_<id>_…`, shown once). A member's token takes the
        enterprise of its account. `person`: whose token it is (created when new; None: a person of its own,
        named after `label`). `expires_in`: its lifetime (default `self.lifetime`). InvalidInput for a scope that
        does not fit the role or names nothing known, a bad person handle or lifetime, a disabled person, or a label
        longer than `MAX_LABEL` or holding a control character (it is printed in `warden token list`)."""
        problem = validate_scope(role, enterprise_id, account_id)
        if problem:
            raise InvalidInput(problem)
        bad_label = control_in(label)
        if bad_label is not None or len(label) > MAX_LABEL:
            why = (
                CONTROL_MESSAGE.format(bad_label) if bad_label else f"at most {MAX_LABEL} characters; got {len(label)}"
            )
            raise InvalidInput(f"label: {why}", [FieldError(field="label", message=why)])
        life = self.lifetime if expires_in is None else expires_in
        if not timedelta(0) < life <= MAX_LIFETIME:
            raise InvalidInput(
                f"a token lives more than 0 and at most {MAX_LIFETIME.days} days",
                [FieldError(field="expires_in", message=f"more than 0, at most {MAX_LIFETIME.days} days")],
            )
        pid = _handle(person) if person is not None else None
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
            if pid is None:
                pid = token_id
                self._insert_person(tx, pid, label or token_id, actor)
            else:
                found = store.person(tx.conn, pid)
                if found is None:
                    self._insert_person(tx, pid, pid, actor)
                elif found.disabled_at is not None:
                    raise InvalidInput(
                        f"person {pid!r} is disabled; their tokens are refused",
                        [FieldError(field="person", message="disabled")],
                    )
            principal = Principal(token_id, role, enterprise_id, account_id, pid)
            expires_at = tx.now + life
            store.insert_token(tx.conn, principal, _hash(secret), label, tx.now, expires_at)
            tx.audit.append(
                tx.now,
                actor,
                "token.created",
                f"token:{token_id}",
                {
                    "role": role.value,
                    "enterprise": enterprise_id,
                    "account": account_id,
                    "person": pid,
                    "expires_at": expires_at.isoformat(),
                },
            )
        return principal, secret

    def check(self, secret: str) -> Principal | str:
        """The token's principal, or the sentence saying why it is refused (unknown, revoked, expired, its person
        disabled). One read per call, nothing cached: see the module docstring. Records the last use (at most
        once per `LAST_USE_EVERY` per token)."""
        key = _hash(secret)
        with self.uow.reading() as tx:
            row = store.token_by_secret(tx.conn, key)
            now = tx.now
        if row is None:
            return "the token is unknown or revoked; create one with `warden token create`"
        if row.revoked_at is not None:
            return f"the token was revoked at {row.revoked_at.isoformat()}"
        if row.person_disabled_at is not None:
            return f"the token's person {row.person_id!r} is disabled"
        if row.expires_at <= now:
            return f"the token expired at {row.expires_at.isoformat()}; ask for a new one (`warden token create`)"
        if row.last_used_at is None or row.last_used_at <= now - LAST_USE_EVERY:
            with self.uow.writing() as tx:
                store.record_use(tx.conn, row.id, tx.now, tx.now - LAST_USE_EVERY)
        return row.principal

    @staticmethod
    def plausible(secret: str) -> bool:
        """Whether `secret` has the shape of a token (`SECRET_SHAPE`); no lookup."""
        return SECRET_SHAPE.fullmatch(secret) is not None

    def authenticate(self, secret: str) -> Principal | None:
        """The token's principal, or None when it is refused (`check` says why)."""
        found = self.check(secret)
        return found if isinstance(found, Principal) else None

    def revoke(self, token_id: str, actor: str) -> None:
        """Revoke the token now: refused from the next request on, in every process. NotFound when no unrevoked
        token has that id."""
        with self.uow.writing() as tx:
            if not store.revoke_token(tx.conn, token_id, tx.now):
                raise NotFound(f"no active token {token_id!r}")
            tx.audit.append(tx.now, actor, "token.revoked", f"token:{token_id}", {})

    def listing(self, limit: int = 500, cursor: str | None = None) -> TokenPage:
        """Tokens by id, revoked and expired ones included, never their secrets; `cursor`: the last id of the
        previous page (`next_cursor`)."""
        with self.uow.reading() as tx:
            rows = store.token_page(tx.conn, limit + 1, cursor)
            now = tx.now
        page = rows[:limit]
        return TokenPage(
            items=[_token_out(r, now) for r in page],
            next_cursor=page[-1].id if len(rows) > limit else None,
        )

    def whoami(self, p: Principal, timezone: str) -> Me:
        """Who `p` is: role, scope and the holder's name (the person's name, else the token id)."""
        with self.uow.reading() as tx:
            row = store.person(tx.conn, p.person)
            now = tx.now
        return Me(
            token_id=p.token_id,
            role=p.role.value,
            enterprise_id=p.enterprise_id,
            account_id=p.account_id,
            person=p.person,
            label=row.name if row is not None else p.person,
            timezone=timezone,
            now=now,
        )

    def tokens(self, p: Principal, limit: int = 50, cursor: str | None = None) -> TokenPage:
        """`listing` for the platform role (Forbidden for every other)."""
        access.check_list_tokens(p)
        return self.listing(limit, cursor)


def _handle(raw: str) -> str:
    pid = access.person_handle(raw)
    if pid is None:
        raise InvalidInput(
            f"{raw!r} is not a person handle: {access.PERSON_HANDLE_RULE}",
            [FieldError(field="person", message=access.PERSON_HANDLE_RULE)],
        )
    return pid


def _person_out(r: store.PersonRow) -> PersonOut:
    return PersonOut(id=r.id, name=r.name, created_at=r.created_at, disabled_at=r.disabled_at)


def _token_out(r: store.TokenRow, now: datetime) -> TokenOut:
    if r.revoked_at is not None:
        state = "revoked"
    elif r.person_disabled_at is not None:
        state = "person_disabled"
    elif r.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return TokenOut(
        id=r.id,
        person=r.person_id,
        person_name=r.person_name,
        role=r.role.value,
        enterprise_id=r.enterprise_id,
        account_id=r.account_id,
        label=r.label,
        created_at=r.created_at,
        expires_at=r.expires_at,
        last_used_at=r.last_used_at,
        revoked_at=r.revoked_at,
        state=state,
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
