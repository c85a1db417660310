"""What differs between the engines, in one place: schema statements and the write statements.

Labels, types and property names come from the bundle schemas (never from user input), so they are
safe to place in statement text; every value travels as a parameter.
"""

from __future__ import annotations

from ..model import (DERIVED_KEY_PARTS, DERIVED_RELS, RESIDENCE_RECORD_COLUMNS, RESIDENCE_RECORD_KEY_PARTS, SAME_AS_COLUMNS,
                     node_tables, rel_tables)


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
        "source_agency": "STRING",
        "source_record": "STRING",
        "load_id": "STRING",
        "loaded_at": "TIMESTAMP",
        "row_hash": "INT64",
    }
    for rel_type, (a, b) in DERIVED_RELS.items():
        own = {"SAME_AS": SAME_AS_COLUMNS, "RESIDENCE_RECORD": RESIDENCE_RECORD_COLUMNS}
        rels[rel_type] = (a, b, own.get(rel_type, derived_props))
    return rels


def key_parts(element: str, is_node: bool) -> tuple[str, ...]:
    """The columns whose '|'-joined values are an element's key: ``id`` for a node; for a relationship its
    ends ``_from``/``_to`` and the properties that tell apart two relationships between the same ends."""
    if is_node:
        return ("id",)
    for t in rel_tables():
        if element in t.rel_types:
            return t.key_parts()
    if element == "RESIDENCE_RECORD":
        return RESIDENCE_RECORD_KEY_PARTS
    if element in DERIVED_RELS and element != "SAME_AS":
        return DERIVED_KEY_PARTS
    raise KeyError(f"{element}: not a relationship type the loader writes")


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
    statements.append("CREATE INDEX same_as_key IF NOT EXISTS FOR ()-[r:SAME_AS]-() ON (r.key)")
    # The catalogue filters on these first; an index lets Neo4j start there.
    statements += [
        "CREATE INDEX agency_kind IF NOT EXISTS FOR (n:Agency) ON (n.kind)",
        "CREATE INDEX person_role IF NOT EXISTS FOR (n:Person) ON (n.role)",
        "CREATE INDEX event_kind IF NOT EXISTS FOR (n:Event) ON (n.kind)",
    ]
    return statements


def _set_clause(
    var: str, props: list[str], skip: tuple[str, ...], casts: dict[str, str] | None = None, values: dict[str, str] | None = None
) -> str:
    casts, values = casts or {}, values or {}

    def value(p: str) -> str:
        if p in values:
            return values[p]
        return f"CAST(row.{p} AS {casts[p]})" if p in casts else f"row.{p}"

    return ", ".join(f"{var}.{p} = {value(p)}" for p in props if p not in skip)


def merge_properties(names: list[str], values: dict[str, str] | None = None) -> str:
    """`` {p: row.p, ...}`` (or the expression ``values`` gives for p): what a MERGE matches on; "" for none."""
    values = values or {}
    return " {" + ", ".join(f"{p}: {values.get(p, f'row.{p}')}" for p in names) + "}" if names else ""


def node_upsert(label: str, props: list[str], casts: dict[str, str] | None = None, values: dict[str, str] | None = None) -> str:
    """Create or update nodes by id. Both engines accept it; LadybugDB uses it for updates only.

    ``casts`` (LadybugDB only): property -> type to CAST the row's value to. LadybugDB types a parameter
    list's field from its values, so a batch whose ``until`` is null in every row arrives as STRING and a
    SET of a DATE property from it is refused (Binder exception). ``values``: property -> the Cypher
    expression to set it from, instead of ``row.<property>`` (Neo4j: ``date(row.dob)``, ``$loaded_at``)."""
    return f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET {_set_clause('n', props, ('id',), casts, values)}"


def rel_upsert(
    rel_type: str,
    from_label: str,
    to_label: str,
    props: list[str],
    casts: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> str:
    """Create or update relationships by their ends and key properties. Separate MATCH clauses: a
    comma-joined MATCH inside UNWIND plans a cross product on LadybugDB. ``casts``, ``values``: as
    :func:`node_upsert`."""
    merge_on = [p for p in key_parts(rel_type, False) if p not in ("_from", "_to")]
    merge_map = merge_properties(merge_on, values)
    set_clause = _set_clause("r", props, tuple(merge_on), casts, values)
    return (
        f"UNWIND $rows AS row MATCH (a:{from_label} {{id: row._from}}) MATCH (b:{to_label} {{id: row._to}}) "
        f"MERGE (a)-[r:{rel_type}{merge_map}]->(b)" + (f" SET {set_clause}" if set_clause else "")
    )


def rel_delete_from(rel_type: str, from_label: str) -> str:
    """Remove the relationships of a type leaving each row's start node (a derived one-per-event
    relationship, before it is written anew). Anchored on the start node: an index look-up per row."""
    return f"UNWIND $rows AS row MATCH (a:{from_label} {{id: row._from}})-[r:{rel_type}]->() DELETE r"


# -- Neo4j: the statements graphcase sends, in one list, for Neo4j's own linter in CI ----------------
NEO4J_AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"


def stored_hashes_query(element: str, is_node: bool) -> str:
    """Only the row_hash of every node of a label / relationship of a type: enough to tell that a re-load
    changes nothing, and far cheaper than the key parts (no look-up of either end)."""
    pattern = f"(n:{element})" if is_node else f"()-[n:{element}]->()"
    return f"MATCH {pattern} RETURN n.row_hash AS row_hash"


def row_hashes_query(element: str, is_node: bool) -> str:
    """Key parts (:func:`key_parts`) and row_hash of every node of a label / relationship of a type."""
    if is_node:
        return f"MATCH (n:{element}) RETURN n.id AS id, n.row_hash AS row_hash"
    from_label, to_label, _ = rel_definitions()[element]
    parts = {"_from": "a.id", "_to": "b.id"}
    columns = ", ".join(f"{parts.get(p, 'n.' + p)} AS {p}" for p in key_parts(element, False))
    return f"MATCH (a:{from_label})-[n:{element}]->(b:{to_label}) RETURN {columns}, n.row_hash AS row_hash"


def neo4j_statements() -> list[dict]:
    """Every statement text the Neo4j store can send: [{"name", "statement"}], values all parameters."""
    out = [{"name": f"ddl:{i}", "statement": s} for i, s in enumerate(neo4j_ddl())]
    out.append({"name": "ddl:await_indexes", "statement": NEO4J_AWAIT_INDEXES})
    for label, props in node_properties().items():
        out.append({"name": f"upsert:{label}", "statement": node_upsert(label, list(props))})
        out.append({"name": f"row_hashes:{label}", "statement": row_hashes_query(label, True)})
        out.append({"name": f"stored_hashes:{label}", "statement": stored_hashes_query(label, True)})
        out.append({"name": f"count:{label}", "statement": f"MATCH (n:{label}) RETURN count(n) AS stored"})
        out.append({"name": f"known_ids:{label}", "statement": f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n.id AS id"})
    replaced = {"RECORDED_BY", "OCCURRED_AT"}
    for rel_type, (a, b, props) in rel_definitions().items():
        if rel_type == "SAME_AS":  # written by record linkage, not by the loader
            continue
        out.append({"name": f"upsert:{rel_type}", "statement": rel_upsert(rel_type, a, b, list(props))})
        out.append({"name": f"row_hashes:{rel_type}", "statement": row_hashes_query(rel_type, False)})
        out.append({"name": f"stored_hashes:{rel_type}", "statement": stored_hashes_query(rel_type, False)})
        out.append({"name": f"count:{rel_type}", "statement": f"MATCH ()-[n:{rel_type}]->() RETURN count(n) AS stored"})
        if rel_type in replaced:
            out.append({"name": f"delete_from:{rel_type}", "statement": rel_delete_from(rel_type, a)})
    return out


def neo4j_lint_schema() -> dict:
    """The graph schema in the shape `@neo4j-cypher/language-support` takes (its DbSchema)."""
    rels = rel_definitions()
    keys = {p for props in node_properties().values() for p in props}
    keys |= {p for *_, props in rels.values() for p in props}
    return {
        "labels": sorted(node_properties()),
        "relationshipTypes": sorted(rels),
        "propertyKeys": sorted(keys),
        "graphSchema": [{"from": a, "to": b, "relType": t} for t, (a, b, _) in sorted(rels.items())],
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m graphcase.stores.dialects --neo4j-statements [OUT.json]``: the linter's input."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m graphcase.stores.dialects", description=main.__doc__)
    parser.add_argument("--neo4j-statements", metavar="OUT", nargs="?", const="-", required=True,
                        help="write {schema, statements} as JSON to OUT (default: standard output)")
    args = parser.parse_args(argv)
    text = json.dumps({"schema": neo4j_lint_schema(), "statements": neo4j_statements()}, indent=1)
    if args.neo4j_statements == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.neo4j_statements, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
