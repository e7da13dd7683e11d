"""``coopmatch keys``: issue and revoke API keys (only their argon2 hash is stored), and
people's web accounts: create one (``keys user``: a user name and a first password), list
them (``keys users``), reset a forgotten password (``keys reset-password``: a new one-time
password, changed at the next login) and disable one (``keys disable-user``)."""

from __future__ import annotations

import typer

from api.cli.common import console, fail
from api.cli.db import open_engine, service_errors


def register(app: typer.Typer) -> None:
    """Add the ``keys`` group to ``app``."""
    keys_app = typer.Typer(help="API keys / คีย์ API", no_args_is_help=True)

    @keys_app.command("issue")
    def issue(
        coop: str | None = typer.Option(None, "--coop", help="member key for this coop id"),
        coordinator: str | None = typer.Option(
            None, "--coordinator", help="coordinator key for this principal"
        ),
        admin: str | None = typer.Option(None, "--admin", help="admin key for this principal"),
        label: str = typer.Option("", "--label", help="free text to recognise the key"),
    ) -> None:
        """Issue a key; the token is printed once and never stored (ออกคีย์ API)."""
        from api.http.keys import issue_key
        from api.http.users import check_coordinator

        chosen = [
            (r, v)
            for r, v in (("member", coop), ("coordinator", coordinator), ("admin", admin))
            if v
        ]
        if len(chosen) != 1:
            fail("keys issue", ["give exactly one of --coop, --coordinator, --admin (ระบุหนึ่งอย่าง)"])
        role, value = chosen[0]
        with service_errors("keys issue"):
            if role == "coordinator":  # a key for a network that does not exist is refused
                check_coordinator(open_engine(), value)
            issued = issue_key(
                open_engine(),
                role=role,
                coop_id=value if role == "member" else None,
                principal=None if role == "member" else value,
                label=label,
            )
        console.print(
            f"key id: {issued.key_id}  role: {issued.role}  principal: {issued.principal}"
        )
        console.print("token (shown once, keep it secret / แสดงครั้งเดียว):")
        print(issued.token)

    @keys_app.command("user")
    def user(
        username: str = typer.Argument(..., help="the person's user name (a-z 0-9 . _ -)"),
        coop: str | None = typer.Option(None, "--coop", help="a member of this coop id"),
        coordinator: str | None = typer.Option(
            None, "--coordinator", help="a coordinator: this principal (must coordinate)"
        ),
        admin: str | None = typer.Option(None, "--admin", help="an admin: this principal"),
    ) -> None:
        """Create a person's web account; the first password is printed once and must be
        changed at the first login (สร้างบัญชีผู้ใช้เว็บ)."""
        from api.http.users import create_user

        chosen = [(r, v) for r, v in (("member", coop), ("coordinator", coordinator),
                                       ("admin", admin)) if v]  # fmt: skip
        if len(chosen) != 1:
            fail("keys user", ["give exactly one of --coop, --coordinator, --admin (ระบุหนึ่งอย่าง)"])
        role, value = chosen[0]
        with service_errors("keys user"):
            made = create_user(open_engine(), username, role=role,
                               coop_id=value if role == "member" else None,
                               principal=None if role == "member" else value)  # fmt: skip
        console.print(f"user: {made.username}  role: {made.role}  principal: {made.principal}")
        console.print("first password (shown once; changed at the first login / แสดงครั้งเดียว):")
        print(made.first_password)

    @keys_app.command("users")
    def users() -> None:
        """List the web accounts: name, role, coop or principal, state (บัญชีผู้ใช้เว็บ)."""
        from api.http.users import list_users

        with service_errors("keys users"):
            rows = list_users(open_engine())
        for u in rows:
            state = (
                "disabled" if u.disabled else "first-login" if u.must_change_password else "active"
            )
            print(f"{u.username}\t{u.role}\t{u.coop_id or u.principal}\t{state}")
        if not rows:
            console.print("no web accounts (ยังไม่มีบัญชีผู้ใช้เว็บ)")

    @keys_app.command("reset-password")
    def reset(username: str = typer.Argument(..., help="the account's user name")) -> None:
        """Give an account a new one-time password, printed once; its sessions end and its
        owner picks a new password at the next login (ตั้งรหัสผ่านใหม่)."""
        from api.http.users import reset_password

        with service_errors("keys reset-password"):
            done = reset_password(open_engine(), username)
        console.print(f"user: {done.username}  role: {done.role}  principal: {done.principal}")
        console.print("one-time password (shown once; changed at the next login / แสดงครั้งเดียว):")
        print(done.first_password)

    @keys_app.command("disable-user")
    def disable(username: str = typer.Argument(..., help="the account's user name")) -> None:
        """Disable an account: its key is revoked and its sessions end (ระงับบัญชีผู้ใช้)."""
        from api.http.users import disable_user

        with service_errors("keys disable-user"):
            changed = disable_user(open_engine(), username)
        console.print(f"disabled {username}" if changed else f"{username} was already disabled")

    @keys_app.command("revoke")
    def revoke(key_id: str = typer.Argument(..., help="the key id (cm_<id>_…)")) -> None:
        """Revoke a key at once (เพิกถอนคีย์ API)."""
        from api.http.keys import revoke_key

        with service_errors("keys revoke"):
            changed = revoke_key(open_engine(), key_id)
        console.print(f"revoked {key_id}" if changed else f"{key_id} was already revoked")

    app.add_typer(keys_app, name="keys")
