"""The ``graphcase`` command: a thin click shell over the Python API.

This module holds the root group and attaches each command group's module, one line each; every
command parses its options, calls the Python API and prints.
"""

from __future__ import annotations

import click

from .. import audit
from ..stores import DEFAULT_DB
from .options import StoreOptions


# Commands that show no person's data are not audited.
UNAUDITED = {"queries", "init", None}


class AuditedGroup(click.Group):
    """Keeps the command line as given, so the audit entry says exactly what was asked."""

    def parse_args(self, ctx, args):
        ctx.meta["graphcase.argv"] = list(args)
        return super().parse_args(ctx, args)


@click.group(cls=AuditedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="GRAPHCASE_DB", default=None, help=f"Embedded database file [default: ./{DEFAULT_DB}; env GRAPHCASE_DB].")
@click.option("--neo4j", "neo4j_uri", envvar="GRAPHCASE_NEO4J_URI", default=None, help="Use Neo4j at this URI (bolt://, neo4j://, neo4j+s://) [env GRAPHCASE_NEO4J_URI]; credentials from NEO4J_USERNAME / NEO4J_PASSWORD.")
@click.option("--neo4j-database", envvar="NEO4J_DATABASE", default=None, help="Neo4j database name [default: the server's default].")
@click.option("--batch-size", type=int, default=None, help="Neo4j: rows per UNWIND batch [default: 10000].")
@click.option("--user", envvar="GRAPHCASE_USER", default=None, help="Who is asking, for the audit log [default: the login name].")
@click.option("--reason", envvar="GRAPHCASE_REASON", default=None, help="Why, for the audit log (e.g. the referral number).")
@click.version_option(package_name="graphcase")
@click.pass_context
def main(ctx, db, neo4j_uri, neo4j_database, batch_size, user, reason):
    """graphcase: join multi-agency safeguarding records as a graph and surface missed links.

    Every command that shows or changes people's data is recorded in an audit log beside the database
    (GRAPHCASE_AUDIT_LOG to put it elsewhere): who, when, the command and its arguments, and --reason.
    """
    ctx.obj = StoreOptions(db, neo4j_uri, neo4j_database, batch_size)
    if ctx.invoked_subcommand not in UNAUDITED and "--help" not in ctx.meta.get("graphcase.argv", []):
        argv = ctx.meta.get("graphcase.argv", [])
        arguments = argv[argv.index(ctx.invoked_subcommand) + 1 :] if ctx.invoked_subcommand in argv else argv
        audit.record(
            audit.audit_log_path(db, neo4j_uri),
            command=ctx.invoked_subcommand,
            arguments=arguments,
            store=neo4j_uri or db or DEFAULT_DB,
            user=user,
            reason=reason,
        )



@main.group(name="fixtures")
def fixtures_group():
    """Sample and synthetic data."""


from . import demo, query, store  # noqa: E402
from .find import find_command  # noqa: E402
from .fixtures import generate  # noqa: E402
from .history import history  # noqa: E402
from .linkage import link_records_command, review  # noqa: E402
from .links import explain_command, links_command  # noqa: E402
from .maps import map_command  # noqa: E402

for command in (store.init, store.load, store.stats, query.queries, query.run, query.cypher, demo.demo,
                find_command, history, link_records_command, review, map_command, links_command, explain_command):
    main.add_command(command)
fixtures_group.add_command(generate)
