"""``graphcase serve`` (the web workspace) and ``graphcase users add|remove|set-role|reset|list`` (its accounts)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from ..output import fail
from ..stores import StoreError
from ..web.users import ROLES, USERS_SUFFIX, UserError, UserFile, side_file


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; keep loopback unless behind a reverse proxy.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--proxy-headers", is_flag=True, help="Behind a TLS reverse proxy on this machine: trust its X-Forwarded-Proto/For and mark cookies Secure.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, help="A host name the browser uses to reach the app (repeatable), e.g. the reverse proxy's public name; 127.0.0.1, localhost and --host are always allowed.")
@click.option("--idle-minutes", type=click.FloatRange(1, 480), default=15, show_default=True, help="Sign a user out after this long without a request.")
@click.option("--as-of", "as_of", default=None, help="Read the store as of this date (YYYY-MM-DD) [default: today].")
@click.pass_obj
def serve(opts, host, port, proxy_headers, allowed_hosts, idle_minutes, as_of):
    """Serve the analyst's workspace: sign in, search, case view, network, chronology, linkage review, partnership.

    Create the first account with 'graphcase users add NAME --role admin --agency AGENCY'.
    """
    import uvicorn

    from ..web import Workspace, create_app

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    try:
        store = opts.open(read_only=True)
    except StoreError as exc:
        fail(str(exc))
    try:
        hosts = ("127.0.0.1", "localhost", host, *allowed_hosts)
        workspace = Workspace.open(store, as_of=day, https=proxy_headers, idle_minutes=idle_minutes, allowed_hosts=hosts)
        workspace.start_warm_up()  # the search index and the county's findings, in the background
        if not workspace.users.users():
            click.echo("No accounts yet: create one with 'graphcase users add NAME --role admin --agency AGENCY'.", err=True)
        click.echo(f"graphcase workspace on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
        uvicorn.run(create_app(workspace), host=host, port=port, proxy_headers=proxy_headers,
                    forwarded_allow_ips="127.0.0.1" if proxy_headers else None, log_level="warning", server_header=False)
    finally:
        store.close()


def _users_file(opts) -> UserFile:
    try:
        with opts.open(read_only=True) as store:
            return UserFile(side_file(store, USERS_SUFFIX))
    except StoreError as exc:
        fail(str(exc))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def users():
    """Accounts of the web workspace, kept beside the store (0600). Passwords come from a prompt or stdin."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agency", required=True, help="The agency the user works for: its agency id, so they see the restricted records it holds.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_obj
def add(opts, name, role, agency, password_stdin):
    """Create an account."""
    file = _users_file(opts)
    try:
        user = file.add(name, role, agency, _password(password_stdin))
    except UserError as exc:
        fail(str(exc))
    click.echo(f"added {user.name} ({user.role}, {user.agency}) to {file.path}")


@users.command("remove")
@click.argument("name")
@click.pass_obj
def remove(opts, name):
    """Delete an account."""
    try:
        _users_file(opts).remove(name)
    except UserError as exc:
        fail(str(exc))
    click.echo(f"removed {name}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_obj
def set_role(opts, name, role):
    """Change an account's role (takes effect at its next sign-in)."""
    try:
        _users_file(opts).set_role(name, role)
    except UserError as exc:
        fail(str(exc))
    click.echo(f"{name} is now {role}")


@users.command("reset")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
@click.pass_obj
def reset(opts, name, password_stdin):
    """Set a new password."""
    try:
        _users_file(opts).reset(name, _password(password_stdin))
    except UserError as exc:
        fail(str(exc))
    click.echo(f"new password set for {name}")


@users.command("assign")
@click.argument("name")
@click.argument("person_id")
@click.option("--remove", is_flag=True, help="Take the case away instead.")
@click.pass_obj
def assign(opts, name, person_id, remove):
    """Give a reviewer a case (the child's person id): reviewers open only their assigned cases."""
    try:
        user = _users_file(opts).assign(name, person_id, remove=remove)
    except UserError as exc:
        fail(str(exc))
    click.echo(f"{name}'s cases: {', '.join(user.cases) or 'none'}")


@users.command("list")
@click.pass_obj
def list_users(opts):
    """Names, roles and agencies (never hashes)."""
    for user in _users_file(opts).users():
        click.echo("\t".join([user.name, user.role, user.agency, *(["cases: " + ", ".join(user.cases)] if user.cases else [])]))
