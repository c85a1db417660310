"""The case-network data model: node labels, relationship types and the bundle files that feed them.

The source of truth is the Frictionless Table Schemas in ``graphcase/schemas/`` (one per bundle file);
this module reads them once and gives the loader and the stores one description of every table.

Every node and relationship carries provenance: ``source_agency``, ``source_record`` (from the bundle),
``load_id`` and ``loaded_at`` (set by the loader), and ``row_hash`` (a content hash, so that a re-load of
unchanged rows writes nothing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).parent / "schemas"

# Order matters: nodes before the relationships that point at them.
TABLE_NAMES = (
    "agencies",
    "people",
    "addresses",
    "events",
    "relationships",
    "csc_households",
    "residences",
    "agency_records",
    "event_people",
    "event_agencies",
)

PROVENANCE_COLUMNS = ("source_agency", "source_record", "load_id", "loaded_at", "row_hash")

# Relationship types that no bundle file feeds: written by record linkage and the event file's columns.
DERIVED_RELS = {
    "RECORDED_BY": ("Event", "Agency"),
    "OCCURRED_AT": ("Event", "Address"),
    "SAME_AS": ("Person", "Person"),
    # residences.csv rows naming the source agency's own record of the resident instead of a person record
    "RESIDENCE_RECORD": ("Agency", "Address"),
}
# One RECORDED_BY and one OCCURRED_AT per event: the event is their key.
DERIVED_KEY_PARTS = ("_from",)
RESIDENCE_RECORD_KEY_PARTS = ("_from", "_to", "record_id", "from_date")
RESIDENCE_RECORD_COLUMNS = {
    "record_id": "STRING",
    "from_date": "DATE",
    "to_date": "DATE",
    "source_agency": "STRING",
    "source_record": "STRING",
    "load_id": "STRING",
    "loaded_at": "TIMESTAMP",
    "row_hash": "INT64",
}
SAME_AS_COLUMNS = {
    "key": "STRING",
    "probability": "DOUBLE",
    "match_weight": "DOUBLE",
    "explanation": "STRING",
    "method": "STRING",
    "resolved_id": "STRING",
    "decided_by": "STRING",
    "load_id": "STRING",
    "loaded_at": "TIMESTAMP",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | date | flags | visible_to (roles and agency ids, ';'-separated)
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    references: str | None = None  # "table.column"
    not_future: bool = False
    not_before: str | None = None  # another date field of the same row
    # Rules between the fields of one row (schema constraints of the same names):
    required_unless: str | None = None  # required when that field is empty
    excludes: str | None = None  # must be empty when that field has a value
    requires: str | None = None  # only with a value in that field
    requires_flag: str | None = None  # only when the row's flags include this one
    only_when: tuple[str, str] | None = None  # (field, value): only on rows where field == value
    differs_from: str | None = None  # never the same value as that field


@dataclass(frozen=True)
class Table:
    """One bundle file and the graph element it becomes."""

    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    label: str | None = None  # node label, for node tables
    rel_type: str | None = None  # relationship type, for relationship tables
    rel_types_by_kind: dict | None = None  # event_agencies: kind column picks the type
    from_label: str | None = None
    from_column: str | None = None
    to_label: str | None = None
    to_column: str | None = None
    graph_key: tuple[str, ...] | None = None  # the relationship's identity, when not the whole primary key
    not_stored: tuple[str, ...] = ()  # validated columns that the relationship does not store

    @property
    def is_node(self) -> bool:
        return self.label is not None

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def flag_names(self) -> tuple[str, ...]:
        return tuple(e for f in self.fields if f.type == "flags" for e in f.enum)

    @property
    def rel_types(self) -> tuple[str, ...]:
        if self.rel_types_by_kind:
            return tuple(self.rel_types_by_kind.values())
        return (self.rel_type,) if self.rel_type else ()

    def property_columns(self) -> dict[str, str]:
        """Stored property name -> database type (LadybugDB names), in a stable order.

        Node tables keep their ``id``; relationship tables drop the two endpoint columns, which become the
        relationship's ends. A relationship stores no key of its own: its ends and :meth:`key_parts` are
        its identity (a stored copy of them cost 20% of a first load and 29% of the file).
        """
        cols: dict[str, str] = {}
        for f in self.fields:
            if not self.is_node and f.name in (self.from_column, self.to_column) or f.name in self.not_stored:
                continue
            if f.type == "flags":
                cols.update({flag: "BOOLEAN" for flag in f.enum})
            else:
                cols[f.name] = "DATE" if f.type == "date" else "STRING"
        cols.update({"load_id": "STRING", "loaded_at": "TIMESTAMP", "row_hash": "INT64"})
        return cols

    def key_parts(self) -> tuple[str, ...]:
        """A relationship's identity as relationship-row columns, in primary-key order: ``_from`` and
        ``_to`` for the ends, then the stored properties that tell two relationships between the same ends
        apart (KNOWN_TO: ``record_id``). '|'-joined, they are the relationship's key."""
        ends = {self.from_column: "_from", self.to_column: "_to"}
        return tuple(ends.get(c, c) for c in self.graph_key or self.primary_key)


def _table_from_schema(doc: dict) -> Table:
    fields = []
    for f in doc["fields"]:
        c = f.get("constraints", {})
        fields.append(
            Field(
                name=f["name"],
                type=f.get("type", "string"),
                description=f.get("description", ""),
                required=bool(c.get("required")),
                enum=tuple(c.get("enum", ())),
                pattern=c.get("pattern"),
                references=f.get("references"),
                not_future=bool(c.get("not_future")),
                not_before=c.get("not_before"),
                required_unless=c.get("required_unless"),
                excludes=c.get("excludes"),
                requires=c.get("requires"),
                requires_flag=c.get("requires_flag"),
                only_when=next(iter(c["only_when"].items())) if "only_when" in c else None,
                differs_from=c.get("differs_from"),
            )
        )
    g = doc["graph"]
    return Table(
        name=doc["name"],
        description=doc["description"],
        fields=tuple(fields),
        primary_key=tuple(doc["primaryKey"]),
        label=g.get("node"),
        rel_type=g.get("rel"),
        rel_types_by_kind=g.get("rel_types"),
        from_label=g["from"][0] if "from" in g else None,
        from_column=g["from"][1] if "from" in g else None,
        to_label=g["to"][0] if "to" in g else None,
        to_column=g["to"][1] if "to" in g else None,
        graph_key=tuple(g["key"]) if "key" in g else None,
        not_stored=tuple(g.get("not_stored", ())),
    )


@cache
def tables() -> dict[str, Table]:
    """All bundle tables by name, in load order."""
    return {
        name: _table_from_schema(json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text()))
        for name in TABLE_NAMES
    }


def node_tables() -> list[Table]:
    return [t for t in tables().values() if t.is_node]


def rel_tables() -> list[Table]:
    return [t for t in tables().values() if not t.is_node]


def agency_kinds() -> tuple[str, ...]:
    return tables()["agencies"].field("kind").enum


def bundle_reference_markdown() -> str:
    """The bundle format as Markdown, generated from the schemas (README's "Input format" section)."""
    out = []
    for t in tables().values():
        target = t.label and f"node `{t.label}`" or f"relationship `{'` / `'.join(t.rel_types)}` ({t.from_label} → {t.to_label})"
        out.append(f"#### `{t.name}.csv` → {target}\n\n{t.description} Key: `{'` + `'.join(t.primary_key)}`.\n")
        out.append("| column | type | required | rule | description |\n|---|---|---|---|---|")
        for f in t.fields:
            rules = []
            if f.enum:
                rules.append(("one or more of: " if f.type == "flags" else "one of: ") + ", ".join(f.enum))
            if f.pattern:
                rules.append(f"matches `{f.pattern}`")
            if f.references:
                rules.append(f"refers to `{f.references}`")
            if f.type == "visible_to":
                rules.append("each a role (analyst, reviewer, lead, admin) or an agency id; only with `restricted`")
            if f.not_future:
                rules.append("not in the future")
            if f.not_before:
                rules.append(f"not before `{f.not_before}`")
            if f.required_unless:
                rules.append(f"required when `{f.required_unless}` is empty")
            if f.excludes:
                rules.append(f"empty when `{f.excludes}` is given")
            if f.requires:
                rules.append(f"needs `{f.requires}`")
            if f.requires_flag:
                rules.append(f"needs the `{f.requires_flag}` flag")
            if f.only_when:
                rules.append(f"only when `{f.only_when[0]}` is {f.only_when[1]}")
            if f.differs_from:
                rules.append(f"not the same as `{f.differs_from}`")
            out.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | {'; '.join(rules)} | {f.description} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # python -m graphcase.model > the README section
    print(bundle_reference_markdown())
