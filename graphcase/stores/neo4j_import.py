"""A first load into an empty, stopped Neo4j database through ``neo4j-admin database import full``, Neo4j's
offline bulk importer (docs/neo4j.md, "Bulk import").

:class:`Neo4jImportTarget` is the store ``graphcase load --bulk-import`` loads into: an empty database that
is not running. The bundle is read, validated and planned as for any load (against nothing, so every row
is new); :meth:`Neo4jImportTarget.apply` writes the plan as the importer's CSV files, with typed headers,
and runs the importer on them. Once the server is started on that database, an ordinary ``graphcase load``
of the same bundle writes nothing: the rows carry the same content hashes as a load over Bolt.

Not for Aura or a running server (neither takes an offline import); the importer refuses a database that
holds data. All or nothing is the importer's: it writes the database only when it completes.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..files import private_temp_dir
from . import dialects
from .base import GraphStore, LoadPlan, Progress, Result, StoreError
from .neo4j import display_uri

# LadybugDB column type -> the importer's header type (Neo4j's type for the same values over Bolt).
IMPORT_TYPES = {
    "STRING": "string",
    "DATE": "date",
    "TIMESTAMP": "localdatetime",
    "INT64": "long",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
}
DEFAULT_ADMIN = "neo4j-admin"
DEFAULT_DATABASE = "neo4j"  # a server's default database


def admin_command(command: str | None = None) -> list[str]:
    """The importer's command line: ``command`` (split like a shell would), else $GRAPHCASE_NEO4J_ADMIN, else
    ``neo4j-admin`` on the PATH (the one in the server's bin/ folder)."""
    return shlex.split(command or os.environ.get("GRAPHCASE_NEO4J_ADMIN") or DEFAULT_ADMIN)


def _text_table(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
    """The importer reads dates and local datetimes as ISO text; booleans, numbers and text as Arrow writes them."""
    table = pa.Table.from_pandas(frame[columns], preserve_index=False)
    for i, column in enumerate(table.schema):
        if pa.types.is_date(column.type):
            table = table.set_column(i, column.name, pc.cast(table.column(i), pa.string()))
        elif pa.types.is_timestamp(column.type):
            table = table.set_column(i, column.name, pc.strftime(table.column(i), "%Y-%m-%dT%H:%M:%S"))
    return table


def write_import_files(plan: LoadPlan, folder: Path) -> list[str]:
    """One CSV file per node label and relationship type, with the importer's typed header (``id:ID(Person)``
    keeps ``id`` as a property; ``:START_ID(Person)``/``:END_ID(Address)`` find the ends by it); returns the
    importer's ``--nodes`` / ``--relationships`` arguments."""
    nodes, rels = dialects.node_properties(), dialects.rel_definitions()
    arguments = []
    for change in plan.changes:
        if not change.updates.empty:
            raise StoreError(f"{change.element}: a bulk import can only create; {len(change.updates)} rows would update stored ones")
        if change.inserts.empty:
            continue
        if change.is_node:
            types = nodes[change.element]
            props = [p for p in types if p != "id"]
            header = [f"id:ID({change.element})"] + [f"{p}:{IMPORT_TYPES[types[p]]}" for p in props]
            columns = ["id", *props]
        else:
            types = rels[change.element][2]
            props = list(types)
            header = [f":START_ID({change.from_label})", f":END_ID({change.to_label})"]
            header += [f"{p}:{IMPORT_TYPES[types[p]]}" for p in props]
            columns = ["_from", "_to", *props]
        path = folder / f"{change.element}.csv"
        table = _text_table(change.inserts, columns).rename_columns(header)
        # Quote every text value (a summary may hold commas, quotes or line breaks); a null is an empty field,
        # which the importer leaves out, as a SET of null does.
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
        flag = "--nodes" if change.is_node else "--relationships"
        arguments.append(f"{flag}={change.element}={path}")
    return arguments


class Neo4jImportTarget(GraphStore):
    """An empty Neo4j database that is not running, loaded once by ``neo4j-admin database import full``."""

    dialect = "neo4j"

    offline = True  # holds no audit settings yet (the importer takes only an empty database): the defaults apply

    def __init__(self, database: str | None = None, admin: str | None = None, extra_arguments: list[str] | None = None,
                 server_uri: str | None = None):
        """``database``: None for the server's default (``neo4j``). ``server_uri``: the server that will serve
        the database, if known; the import's audit entry then goes to the same log as that server's later loads
        (a Neo4j store's log is named after its URI and ``database``)."""
        self.database = database
        self.database_name = database or DEFAULT_DATABASE
        self.command = admin_command(admin)
        self.extra_arguments = list(extra_arguments or [])
        self.location = display_uri(server_uri) if server_uri else "offline"
        self.description = f"offline Neo4j database {self.database_name!r} (via {self.command[0]})"
        self.output = ""

    # An empty database: nothing stored, so every bundle row is new.
    def ensure_schema(self) -> None:
        """Nothing to create offline: the constraints come with the first ``graphcase load`` on the server."""

    def known_ids(self, label: str, ids: list[str]) -> set[str]:
        return set()

    def node_ids(self, label: str) -> pa.Array:
        return pa.array([], pa.string())

    def stored_row_hashes(self, element: str, is_node: bool) -> pa.Array:
        return pa.array([], pa.int64())

    def key_parts_and_hashes(self, element: str, is_node: bool) -> pa.Table:
        parts = dialects.key_parts(element, is_node)
        return pa.table({**{p: pa.array([], pa.string()) for p in parts}, "row_hash": pa.array([], pa.int64())})

    def query(self, cypher: str, params: dict | None = None) -> Result:
        raise StoreError(f"{self.description} is offline: start the server on it to query")

    def query_read_only(self, cypher: str, params: dict | None = None, **limits) -> Result:
        return self.query(cypher, params)

    def write(self, cypher: str, params: dict | None = None) -> Result:
        return self.query(cypher, params)

    def write_all(self, statements: list[tuple[str, dict | None]]) -> list[Result]:
        return [self.query(cypher, params) for cypher, params in statements]

    def apply(self, plan: LoadPlan, progress: Progress | None = None) -> None:
        """Write the importer's files into a private temporary folder and run ``neo4j-admin database import
        full DATABASE --nodes=... --relationships=...`` (the database name first: the file options take
        several values each)."""
        with private_temp_dir() as folder:
            files = write_import_files(plan, Path(folder))
            report = Path(folder) / "import.report"
            # No bad entry tolerated (the importer's default skips up to 1,000): all of the bundle or nothing.
            command = [*self.command, "database", "import", "full", self.database_name, "--multiline-fields=true", "--bad-tolerance=0",
                       f"--report-file={report}", *self.extra_arguments, *files]
            try:
                done = subprocess.run(command, capture_output=True, text=True, check=False)
            except OSError as exc:
                raise StoreError(
                    f"cannot run {self.command[0]!r} ({exc}); give the path of neo4j-admin (in the server's bin/ folder) "
                    "with --neo4j-admin or GRAPHCASE_NEO4J_ADMIN"
                ) from exc
            bad_entries = report.read_text(encoding="utf-8", errors="replace").strip() if report.exists() else ""
        self.output = done.stdout + done.stderr
        if done.returncode != 0:
            tail = "\n".join([*self.output.strip().splitlines()[-12:], *bad_entries.splitlines()[:5]])
            raise StoreError(
                f"neo4j-admin database import failed (exit {done.returncode}); nothing was imported. Is the database "
                f"{self.database_name!r} stopped and empty? Its output ends:\n{tail}"
            )
        if progress:
            for change in plan.changes:
                progress(change.element, len(change.inserts))

    def close(self) -> None:
        pass
