"""What every store-opening command shares: the store options from the root group, the command's audit
entry (begun when the command opens its store, so commands that open none write none), and -p key=value."""

from __future__ import annotations

import contextlib

import click

from .. import audit
from ..catalogue.cypher import result_people
from ..model.restrictions import Viewer
from ..output import fail
from ..stores import StoreError, open_store


class CommandAudit:
    """The audit of one CLI command: ``begin`` when it opens the store (before any query), ``end`` with its outcome."""

    def __init__(self, argv: list[str], user: str | None, reason: str | None, meta: dict):
        self.argv, self.user, self.reason, self.meta = argv, user, reason, meta
        self._stack = contextlib.ExitStack()
        self.record: audit.AuditRecord | None = None

    def _command(self) -> tuple[str, list[str]]:
        words = click.get_current_context().command_path.split()[1:]  # drop the program name
        command = " ".join(words)
        arguments = self.argv[self.argv.index(words[0]) + 1 :] if words and words[0] in self.argv else list(self.argv)
        return command, arguments

    def begin(self, store) -> None:
        if self.record is not None:  # a second store open in the same command (explain --rerun)
            return
        command, arguments = self._command()
        self.record = self._stack.enter_context(
            audit.recorded(store, command, arguments, reason=self.reason, claimed_user=self.user, via="cli", message_holder=self.meta)
        )

    def end(self, error: BaseException | None) -> None:
        if error is None:
            self._stack.close()
        else:
            self._stack.__exit__(type(error), error, error.__traceback__)


class StoreOptions:
    def __init__(self, db, neo4j, neo4j_database, batch_size, user: str | None = None, role: str | None = None):
        self.db, self.neo4j, self.neo4j_database, self.batch_size = db, neo4j, neo4j_database, batch_size
        self.user, self.role = user, role
        self.audit: CommandAudit | None = None

    def viewer(self, store) -> Viewer | None:
        """Whose view of restricted records the output follows: none (the store's owner, who sees all) unless
        --user or --role names someone; a --user with an account (``graphcase users``) takes its role and agency."""
        if self.user is None and self.role is None:
            return None
        from ..web.users import USERS_SUFFIX, UserError, UserFile, side_file

        try:
            account = UserFile(side_file(store, USERS_SUFFIX)).get(self.user) if self.user else None
        except UserError as exc:
            fail(str(exc))
        if account is None:
            return Viewer(self.user, self.role, None)
        if self.role and self.role != account.role:
            fail(f"--role {self.role}: {account.name} is a {account.role} (graphcase users set-role changes that)")
        return Viewer(account.name, account.role, account.agency)

    def redactor(self, store):
        """What this command's viewer may not see of ``store`` (None: nothing to withhold)."""
        from ..catalogue.restrictions import Redactor

        return Redactor.for_viewer(store, self.viewer(store))

    def open(self, read_only: bool = False, sessions: int | None = None):
        store = open_store(
            self.db,
            neo4j_uri=self.neo4j,
            neo4j_database=self.neo4j_database,
            read_only=read_only,
            batch_size=self.batch_size,
            sessions=sessions,
        )
        if self.audit is not None:
            try:
                self.audit.begin(store)
            except BaseException:
                store.close()
                raise
        return store

    def begin_audit(self) -> None:
        """Record a command that shows people's data from a side file (saved findings, the review queue):
        the store is opened only to find its audit log and settings."""
        try:
            with self.open(read_only=True):
                pass
        except StoreError as exc:
            fail(str(exc))


def touch_result(opts: StoreOptions, result) -> None:
    """Add a query result's row count and the people ids it shows to the command's audit entry."""
    record = opts.audit.record if opts.audit else None
    if record is not None:
        record.touch(people=result_people(result), rows=len(result))


def parse_params(pairs: tuple[str, ...]) -> dict:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            fail(f"parameter {pair!r} must look like key=value")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params
