"""The ``graphcase`` command: a thin click shell over the Python API.

This module holds the root group and attaches each command group's module, one line each; every
command parses its options, calls the Python API and prints.
"""

from __future__ import annotations

import click

from .. import audit
from ..stores import DEFAULT_DB
from ..model.restrictions import ROLES
from ..output import fail
from .options import CommandAudit, StoreOptions


# Commands that open no store, the audit group itself (it reads the log and writes its own entries), and
# serve, whose every request writes its own entry with the signed-in user (one entry around the whole
# server would swallow them all).
UNAUDITED = {"queries", "audit", "fixtures", "serve", None}


class AuditedGroup(click.Group):
    """Keeps the command line as given, and closes the command's audit entry with its outcome."""

    def parse_args(self, ctx, args):
        ctx.meta["graphcase.argv"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        error = None
        try:
            return super().invoke(ctx)
        except audit.AuditError as exc:  # the log can't be written, or no reason was given: nothing ran
            error = exc
            fail(str(exc))
        except BaseException as exc:
            error = exc
            raise
        finally:
            command_audit = getattr(ctx.obj, "audit", None)
            if command_audit is not None:
                try:
                    command_audit.end(error)
                except audit.AuditError as exc:
                    fail(str(exc))


@click.group(cls=AuditedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="GRAPHCASE_DB", default=None, help=f"Embedded database file [default: ./{DEFAULT_DB}; env GRAPHCASE_DB].")
@click.option("--neo4j", "neo4j_uri", envvar="GRAPHCASE_NEO4J_URI", default=None, help="Use Neo4j at this URI (bolt://, neo4j://, neo4j+s://) [env GRAPHCASE_NEO4J_URI]; credentials from NEO4J_USERNAME / NEO4J_PASSWORD.")
@click.option("--neo4j-database", envvar="NEO4J_DATABASE", default=None, help="Neo4j database name [default: the server's default].")
@click.option("--batch-size", type=int, default=None, help="Neo4j: rows per UNWIND batch [default: 10000].")
@click.option("--user", envvar="GRAPHCASE_USER", default=None,
              help="Who you say you are, recorded in the audit log as a claim beside the OS account. Output then follows "
                   "that user's view of restricted records: a 'graphcase users' account's role and agency, else --role.")
@click.option("--role", envvar="GRAPHCASE_ROLE", type=click.Choice(ROLES), default=None,
              help="With --user who has no account: the role whose view of restricted records to show [default: none, "
                   "so every restricted record is withheld]. Without --user or --role, you are the store's owner and see "
                   "everything (whoever can read the store's file can read every record in it).")
@click.option("--reason", envvar="GRAPHCASE_REASON", default=None, help="Why, for the audit log (e.g. the referral number); required for commands that show person-level data.")
@click.version_option(package_name="graphcase")
@click.pass_context
def main(ctx, db, neo4j_uri, neo4j_database, batch_size, user, role, reason):
    """graphcase: join multi-agency safeguarding records as a graph and surface missed links.

    Every command that opens a store is recorded in a hash-chained audit log beside the store (or where
    the store's own settings say): the OS account, the --user claim, when, the command and its arguments,
    --reason, the people and findings touched and the outcome. See 'graphcase audit --help'.

    Restricted records (a bundle's 'restricted' column) are withheld from a named --user without permission:
    they see that the record exists and which agency to ask. With no --user the store's owner sees all.
    """
    ctx.obj = StoreOptions(db, neo4j_uri, neo4j_database, batch_size, user=user, role=role)
    argv = ctx.meta.get("graphcase.argv", [])
    if ctx.invoked_subcommand not in UNAUDITED and "--help" not in argv and "-h" not in argv:
        ctx.obj.audit = CommandAudit(argv, user, reason, ctx.meta)


@main.group(name="fixtures")
def fixtures_group():
    """Sample and synthetic data."""


from . import audit_commands, demo, query, store  # noqa: E402
from .find import find_command  # noqa: E402
from .fixtures import generate  # noqa: E402
from .history import history  # noqa: E402
from .linkage import link_records_command, review  # noqa: E402
from .links import explain_command, links_command  # noqa: E402
from .maps import map_command  # noqa: E402
from .serve import serve, users  # noqa: E402

for command in (store.init, store.load, store.stats, query.queries, query.run, query.cypher, demo.demo,
                find_command, history, link_records_command, review, map_command, links_command, explain_command,
                audit_commands.audit_group, serve, users):
    main.add_command(command)
fixtures_group.add_command(generate)
