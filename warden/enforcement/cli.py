"""The core feature's commands: `warden policy check`, `warden audit verify`, `warden token create|revoke`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from warden.adapters.audit_keys import Verifier
from warden.adapters.policy_file import load_policy
from warden.kernel.access import Role
from warden.kernel.errors import WardenError
from warden.policy import PolicyError

DatabaseOpt = Annotated[
    str | None, typer.Option("--database", "-d", help="Database URL (overrides WARDEN_DATABASE_URL).")
]


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the `policy`, `audit` and `token` command groups to `app` (`bench` is unused: no benchmark here)."""
    # imported here, not at the top: `python -m warden.entrypoints.cli.main` runs main as `__main__`, and a top-level
    # import of it from here would re-enter a half-initialised module
    from warden.entrypoints.cli.main import console, err, fail, open_warden

    policy_app = typer.Typer(help="Check policy files.", no_args_is_help=True)
    audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
    token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
    app.add_typer(policy_app, name="policy")
    app.add_typer(audit_app, name="audit")
    app.add_typer(token_app, name="token")

    @policy_app.command("check")
    def policy_check(file: Annotated[Path, typer.Argument(help="The policy YAML file to validate.")]) -> None:
        """Validate a policy file; errors name the file, line and what is wrong."""
        try:
            lp = load_policy(file)
        except PolicyError as exc:
            for problem in exc.problems:
                err.print(f"[red]{problem}[/]")
            raise typer.Exit(1) from exc
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
        Reads only: it writes nothing, to the database or elsewhere."""
        exported: list[dict[str, object]] = []
        key: Verifier | None = None
        try:
            if anchors is not None:
                exported = [json.loads(line) for line in anchors.read_text(encoding="utf-8").splitlines()[1:] if line]
            if public_key is not None:
                key = Verifier.from_pem(public_key.read_bytes())
        except (OSError, ValueError) as exc:
            raise fail(f"cannot read {anchors if public_key is None else public_key}: {exc}") from exc
        w = open_warden(database, read_only=True)
        r = w.enforcement.audit_verify(exported, key)
        if r.ok:
            console.print(
                f"[green]audit chain intact[/]: {r.checked} entries verified, state rows and stored decisions match, "
                f"signed up to entry {r.signed_head}"
            )
            return
        where = f"{r.table} row {r.key}" if r.table and r.key else f"entry {r.first_broken}"
        err.print(f"[bold red]audit chain broken[/] at {where}: {r.problem} ({r.checked} entries read)")
        raise typer.Exit(1)

    @audit_app.command("checkpoints")
    def audit_checkpoints(
        out: Annotated[Path, typer.Option(help="Write the signed checkpoints here (JSON lines), to keep elsewhere.")],
        database: DatabaseOpt = None,
    ) -> None:
        """Export the chain's signed checkpoints and the public key, for an auditor to keep outside warden; later,
        `warden audit verify --anchors FILE --public-key KEY` proves the chain still reaches each of them."""
        w = open_warden(database, read_only=True)
        verifier = w.enforcement.verifier
        if verifier is None:
            raise fail("no audit key to export the public half of (WARDEN_AUDIT_KEY_FILE)")
        rows = w.enforcement.audit_checkpoints()
        head = {"public_key": verifier.public_pem(), "key_id": verifier.key_id, "checkpoints": len(rows)}
        out.write_text("\n".join(json.dumps(x) for x in [head, *rows]) + "\n", encoding="utf-8")
        console.print(f"{len(rows)} signed checkpoints written to {out} (key {verifier.key_id})")

    @token_app.command("create")
    def token_create(
        role: Annotated[Role, typer.Option(help="platform, reviewer, auditor, enterprise_admin, hr or member.")],
        enterprise: Annotated[str | None, typer.Option(help="Enterprise id (enterprise_admin, hr).")] = None,
        account: Annotated[str | None, typer.Option(help="Account id (member).")] = None,
        label: Annotated[str, typer.Option(help="A note for people.")] = "",
        database: DatabaseOpt = None,
    ) -> None:
        """Create a bearer token; the secret is printed once."""
        w = open_warden(database)
        try:
            principal, secret = w.tokens.create(role, enterprise, account, label, actor="cli")
        except WardenError as exc:
            raise fail(exc.detail) from exc
        console.print(
            f"token {principal.token_id} ({principal.role.value}"
            f"{' @' + (principal.account_id or principal.enterprise_id or '') if principal.enterprise_id else ''})"
        )
        print(secret)

    @token_app.command("revoke")
    def token_revoke(
        token_id: Annotated[str, typer.Argument(help="The token id printed by `token create` (not the secret).")],
        database: DatabaseOpt = None,
    ) -> None:
        """Revoke a token (servers stop accepting it within 30 s)."""
        w = open_warden(database)
        try:
            w.tokens.revoke(token_id, actor="cli")
        except WardenError as exc:
            raise fail(exc.detail) from exc
        console.print(f"token {token_id} revoked")
