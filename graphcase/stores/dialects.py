"""What differs between the engines, in one place: schema statements and the write statements.

Labels, types and property names come from the bundle schemas (never from user input), so they are
safe to place in statement text; every value travels as a parameter.
"""

from __future__ import annotations

from ..model import DERIVED_RELS, SAME_AS_COLUMNS, node_tables, rel_tables


def node_properties() -> dict[str, dict[str, str]]:
    """label -> {property: LadybugDB type}."""
    return {t.label: t.property_columns() for t in node_tables()}


def rel_definitions() -> dict[str, tuple[str, str, dict[str, str]]]:
    """relationship type -> (from label, to label, {property: LadybugDB type})."""
    rels = {}
    for t in rel_tables():
        for rel_type in t.rel_types:
            rels[rel_type] = (t.from_label, t.to_label, t.property_columns())
    derived_props = {
        "key": "STRING",
        "source_agency": "STRING",
        "source_record": "STRING",
        "load_id": "STRING",
        "loaded_at": "TIMESTAMP",
        "row_hash": "INT64",
    }
    for rel_type, (a, b) in DERIVED_RELS.items():
        rels[rel_type] = (a, b, SAME_AS_COLUMNS if rel_type == "SAME_AS" else derived_props)
    return rels


def ladybug_ddl() -> list[str]:
    statements = []
    for label, props in node_properties().items():
        cols = ", ".join(f"{name} {typ}" for name, typ in props.items())
        statements.append(f"CREATE NODE TABLE IF NOT EXISTS {label}({cols}, PRIMARY KEY (id))")
    for rel_type, (a, b, props) in rel_definitions().items():
        cols = ", ".join(f"{name} {typ}" for name, typ in props.items())
        statements.append(f"CREATE REL TABLE IF NOT EXISTS {rel_type}(FROM {a} TO {b}, {cols})")
    return statements


def neo4j_ddl() -> list[str]:
    statements = []
    for label in node_properties():
        statements.append(
            f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        )
    for rel_type in rel_definitions():
        statements.append(f"CREATE INDEX {rel_type.lower()}_key IF NOT EXISTS FOR ()-[r:{rel_type}]-() ON (r.key)")
    # The catalogue filters on these first; an index lets Neo4j start there.
    statements += [
        "CREATE INDEX agency_kind IF NOT EXISTS FOR (n:Agency) ON (n.kind)",
        "CREATE INDEX person_role IF NOT EXISTS FOR (n:Person) ON (n.role)",
        "CREATE INDEX event_kind IF NOT EXISTS FOR (n:Event) ON (n.kind)",
    ]
    return statements


def _set_clause(var: str, props: list[str], skip: tuple[str, ...]) -> str:
    return ", ".join(f"{var}.{p} = row.{p}" for p in props if p not in skip)


def node_upsert(label: str, props: list[str]) -> str:
    """Create or update nodes by id. Both engines accept it; LadybugDB uses it for updates only."""
    return f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET {_set_clause('n', props, ('id',))}"


def rel_upsert(rel_type: str, from_label: str, to_label: str, props: list[str]) -> str:
    """Create or update relationships by key. Separate MATCH clauses: a comma-joined MATCH inside UNWIND
    plans a cross product on LadybugDB."""
    return (
        f"UNWIND $rows AS row MATCH (a:{from_label} {{id: row._from}}) MATCH (b:{to_label} {{id: row._to}}) "
        f"MERGE (a)-[r:{rel_type} {{key: row.key}}]->(b) SET {_set_clause('r', props, ('key',))}"
    )


def rel_delete_by_key(rel_type: str, from_label: str) -> str:
    """Anchored on the start node, so each row is an index look-up, not a scan of the type."""
    return (
        f"UNWIND $rows AS row MATCH (a:{from_label} {{id: row._from}})-[r:{rel_type}]->() "
        f"WHERE r.key = row.key DELETE r"
    )
