"""The core feature's commands: `warden policy check`, `warden audit verify|checkpoints`,
`warden token create|list|revoke`, `warden person create|list|disable`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from warden.adapters.audit_keys import Verifier
from warden.adapters.policy_file import load_policy
from warden.entrypoints.cli.options import DatabaseOpt
from warden.kernel.access import Role, validate_scope
from warden.kernel.durations import parse_duration
from warden.kernel.errors import WardenError
from warden.policy import PolicyError


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the `policy`, `audit`, `token` and `person` command groups to `app` (`bench` is unused: no benchmark
    here)."""
    # imported here, not at the top: `python -m warden.entrypoints.cli.main` runs main as `__main__`, and a top-level
    # import of it from here would re-enter a half-initialised module
    from warden.entrypoints.cli.main import console, err, fail, open_warden

    policy_app = typer.Typer(help="Check policy files.", no_args_is_help=True)
    audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
    token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
    person_app = typer.Typer(help="The people who hold tokens (four eyes compares people).", no_args_is_help=True)
    app.add_typer(policy_app, name="policy")
    app.add_typer(audit_app, name="audit")
    app.add_typer(token_app, name="token")
    app.add_typer(person_app, name="person")

    @policy_app.command("check")
    def policy_check(file: Annotated[Path, typer.Argument(help="The policy YAML file to validate.")]) -> None:
        """Validate a policy file; errors name the file, line and what is wrong (exit 2)."""
        try:
            lp = load_policy(file)
        except PolicyError as exc:
            for problem in exc.problems:
                err.print(problem, style="red", markup=False, highlight=False)
            raise typer.Exit(2) from exc
        p = lp.policy
        console.print(
            f"[green]ok[/] {file}: version {p.version!r}, hash {lp.short_hash}, "
            f"{len(p.ladder.steps)} ladder steps, {len(type(p.rules).model_fields)} rules"
        )

    @audit_app.command("verify")
    def audit_verify(
        database: DatabaseOpt = None,
        anchors: Annotated[
            Path | None, typer.Option(help="Checkpoints exported earlier (`warden audit checkpoints`): still there?")
        ] = None,
        public_key: Annotated[
            Path | None, typer.Option(help="Check signatures with this public key (PEM) instead of the key file.")
        ] = None,
    ) -> None:
        """Prove the chain, every stored decision and every state row against the audited history, and the chain
        against its signed checkpoints; exit 0 if intact, else name the first entry or row that is not (exit 1).
        Intact but with no anchor outside the database (no anchor file beside the key, no --anchors): a WARNING
        and exit 3, since deleting the newest entries cannot be ruled out (SECURITY.md). Reads only: it writes
        nothing, to the database or elsewhere."""
        exported: list[dict[str, object]] = []
        key: Verifier | None = None
        if anchors is not None:
            exported = _exported_checkpoints(anchors, fail)
        try:
            if public_key is not None:
                key = Verifier.from_pem(public_key.read_bytes())
        except (OSError, ValueError) as exc:
            raise fail(f"--public-key: cannot read {public_key} as a PEM public key: {exc}", 2) from exc
        w = open_warden(database, read_only=True)
        r = w.enforcement.audit_verify(exported, key)
        if r.ok:
            console.print(
                f"[green]audit chain intact[/]: {r.checked} entries in {r.chains} chain(s) verified, state rows and "
                f"stored decisions match, all {r.signed_head} entries signed, {r.roots} signed root(s)"
            )
            if r.warning:
                err.print(f"[bold yellow]WARNING[/]: {r.warning}")
                raise typer.Exit(3)
            return
        read = f"({r.checked} entries read)"
        if r.table and r.key:
            err.print(f"[bold red]audit chain broken[/] at {r.table} row {r.key}: {r.problem} {read}")
        elif r.first_broken is not None:
            where = f"entry {r.first_broken}" if not r.chain else f"entry {r.first_broken} of chain {r.chain}"
            err.print(f"[bold red]audit chain broken[/] at {where}: {r.problem} {read}")
        else:
            err.print(f"[bold red]audit chain not proven[/]: {r.problem}")
        raise typer.Exit(1)

    @audit_app.command("anchor")
    def audit_anchor(database: DatabaseOpt = None) -> None:
        """Append a signed root over every audit chain's head (a Merkle root, adapters/audit_roots.py); `warden
        consume` does it every WARDEN_AUDIT_ROOT_INTERVAL seconds. Says so when no chain moved since the last one."""
        w = open_warden(database)
        try:
            seq = w.anchor_audit_root()
        finally:
            w.close()
        console.print(f"root entry {seq} appended" if seq is not None else "no chain moved since the last root")

    @audit_app.command("checkpoints")
    def audit_checkpoints(
        out: Annotated[Path, typer.Option(help="Write the signed checkpoints here (JSON lines), to keep elsewhere.")],
        database: DatabaseOpt = None,
    ) -> None:
        """Export the chain's signed checkpoints and the public key, for an auditor to keep outside warden: FILE
        (JSON lines; its first line also carries the public key) and FILE.pub.pem (the public key alone); later,
        `warden audit verify --anchors FILE --public-key FILE.pub.pem` proves the chain still reaches each of them."""
        w = open_warden(database, read_only=True)
        verifier = w.enforcement.verifier
        if verifier is None:
            raise fail("no audit key to export the public half of (WARDEN_AUDIT_KEY_FILE)")
        rows = w.enforcement.audit_checkpoints()
        head = {"public_key": verifier.public_pem(), "key_id": verifier.key_id, "checkpoints": len(rows)}
        pub = out.with_name(out.name + ".pub.pem")
        try:
            out.write_text("\n".join(json.dumps(x) for x in [head, *rows]) + "\n", encoding="utf-8")
            pub.write_text(verifier.public_pem(), encoding="utf-8")
        except OSError as exc:
            raise fail(f"--out: cannot write {exc.filename or out}: {exc.strerror or exc}") from exc
        console.print(f"{len(rows)} signed checkpoints written to {out} (key {verifier.key_id}), public key to {pub}")
        console.print(f"check later with: warden audit verify --anchors {out} --public-key {pub}")

    @token_app.command("create")
    def token_create(
        role: Annotated[Role, typer.Option(help="platform, reviewer, auditor, enterprise_admin, hr or member.")],
        enterprise: Annotated[str | None, typer.Option(help="Enterprise id (enterprise_admin, hr).")] = None,
        account: Annotated[str | None, typer.Option(help="Account id (member).")] = None,
        person: Annotated[
            str | None,
            typer.Option(
                help="Whose token it is (a handle, e.g. zhang; created when new). Four eyes compares people: give "
                "one person's tokens the same handle. Required except for member tokens."
            ),
        ] = None,
        label: Annotated[str, typer.Option(help="A note for people (e.g. which device).")] = "",
        expires_in: Annotated[
            str | None, typer.Option(help="Lifetime: 90d, 12h, 2w … (default WARDEN_TOKEN_LIFETIME, 90 days).")
        ] = None,
        database: DatabaseOpt = None,
    ) -> None:
        """Create a bearer token for a person; the secret is printed once."""
        problem = validate_scope(role, enterprise, account)
        if problem:
            raise fail(problem)
        if person is None and role is not Role.MEMBER:
            raise fail("say whose token it is: --person HANDLE (created when new; see `warden person list`)")
        life = _duration(expires_in, fail) if expires_in is not None else None
        w = open_warden(database)
        try:
            principal, secret = w.tokens.create(
                role, enterprise, account, label, actor="cli", person=person, expires_in=life
            )
        except WardenError as exc:
            raise fail(exc) from exc
        console.print(
            f"token {principal.token_id} of person {principal.person} ({principal.role.value}"
            f"{' @' + (principal.account_id or principal.enterprise_id or '') if principal.enterprise_id else ''})"
        )
        print(secret)

    @token_app.command("list")
    def token_list(
        database: DatabaseOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per token.")] = False,
    ) -> None:
        """Every token: id, person, role, scope, label, created, expires, last used, revoked (never a secret)."""
        w = open_warden(database, read_only=True)
        items, cursor = [], None
        while True:
            page = w.tokens.listing(500, cursor)
            items += page.items
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        if as_json:
            for tk in items:
                print(tk.model_dump_json())
            return
        table = Table("id", "person", "role", "scope", "label", "created", "expires", "last used", "state")
        for tk in items:
            table.add_row(
                tk.id,
                tk.person,
                tk.role,
                tk.account_id or tk.enterprise_id or "",
                tk.label,
                _when(tk.created_at),
                _when(tk.expires_at),
                _when(tk.last_used_at),
                tk.state + (f" {_when(tk.revoked_at)}" if tk.revoked_at else ""),
            )
        console.print(table)

    @token_app.command("revoke")
    def token_revoke(
        token_id: Annotated[str, typer.Argument(help="The token id printed by `token create` (not the secret).")],
        database: DatabaseOpt = None,
    ) -> None:
        """Revoke a token: every server refuses it from its next request on."""
        w = open_warden(database)
        try:
            w.tokens.revoke(token_id, actor="cli")
        except WardenError as exc:
            raise fail(exc) from exc
        console.print(f"token {token_id} revoked")

    @person_app.command("create")
    def person_create(
        handle: Annotated[str, typer.Argument(help="The handle actors name (reviewer:<handle>), e.g. zhang.")],
        name: Annotated[str | None, typer.Option(help="A name for people (default: the handle).")] = None,
        database: DatabaseOpt = None,
    ) -> None:
        """Create a person, to give tokens to (`warden token create --person HANDLE`)."""
        w = open_warden(database)
        try:
            person = w.tokens.create_person(handle, name, actor="cli")
        except WardenError as exc:
            raise fail(exc) from exc
        console.print(f"person {person.id} ({person.name}) created")

    @person_app.command("list")
    def person_list(database: DatabaseOpt = None) -> None:
        """Every person: handle, name, created, disabled."""
        w = open_warden(database, read_only=True)
        table = Table("handle", "name", "created", "disabled")
        for person in w.tokens.people():
            table.add_row(person.id, person.name, _when(person.created_at), _when(person.disabled_at))
        console.print(table)

    @person_app.command("disable")
    def person_disable(
        handle: Annotated[str, typer.Argument(help="The person's handle.")],
        database: DatabaseOpt = None,
    ) -> None:
        """Disable a person: every server refuses all their tokens from its next request on."""
        w = open_warden(database)
        try:
            w.tokens.disable_person(handle, actor="cli")
        except WardenError as exc:
            raise fail(exc) from exc
        console.print(f"person {handle} disabled; their tokens are refused")


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else "-"


def _duration(raw: str, fail: Callable[[str], Exception]) -> timedelta:
    try:
        value = parse_duration(raw)
    except ValueError as exc:
        raise fail(f"--expires-in: {exc}") from exc
    assert isinstance(value, timedelta)
    return value


_HEAD_FIELDS = {"public_key": str, "key_id": str}
_CHECKPOINT_FIELDS = {"seq": int, "hash": str, "signature": str}


def _exported_checkpoints(path: Path, fail: Callable[[str, int], Exception]) -> list[dict[str, object]]:
    """The checkpoints of a file `warden audit checkpoints --out` wrote: a first line with the public key, then one
    JSON object per signed head (`seq`, `hash`, `signature`, `chain`). Anything else is refused (exit 2) naming
    `FILE:LINE: field` (a truncated or wrong file would otherwise weaken the check without a word)."""
    from rich.markup import escape

    from warden.adapters.jsonl import BadFile, read_objects

    first: list[int] = []

    def check(line: int, obj: dict[str, object]) -> list[tuple[str, str]]:
        if not first:
            first.append(line)
        want = _HEAD_FIELDS if line == first[0] else {**_CHECKPOINT_FIELDS, "chain": int}
        out = []
        for name, kind in want.items():
            value = obj.get(name, 0 if name == "chain" else None)  # files from before partitions have no chain
            if kind is str:
                ok, what = isinstance(value, str), "text"
            else:
                ok, what = isinstance(value, int) and not isinstance(value, bool) and value >= 0, "a whole number ≥ 0"
            if not ok:
                out.append((name, f"missing or not {what}" if value is None else f"{value!r:.60} is not {what}"))
        return out

    try:
        rows = read_objects(path, check)
    except BadFile as exc:
        said = "\n  ".join(escape(p) for p in exc.problems)
        raise fail(
            f"--anchors: not an exported checkpoints file (write one with `warden audit checkpoints --out FILE`); "
            f"nothing was checked\n  {said}",
            2,
        ) from exc
    if not rows:
        raise fail(f"--anchors: {escape(str(path))}: empty; write one with `warden audit checkpoints --out FILE`", 2)
    return [obj for _, obj in rows[1:]]
