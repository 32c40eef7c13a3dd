"""The graph schema, read once from ``schema.toml`` beside this file.

Everything that needs to know the bundle's tables or the graph's labels and relationship
types asks this module: the loaders validate against ``TABLES``, the embedded store and the
Neo4j writer build nodes and relationships from ``NODES`` and ``RELATIONSHIPS``, and a test
checks ``schema.cypher`` against ``NODES``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bidgraph.errors import SchemaError

__all__ = ["Column", "Table", "NodeSource", "NodeType", "Endpoint", "Relationship", "Schema", "schema"]

# Labels, relationship types and property keys are written into Cypher text (Cypher cannot take
# them as parameters), so the schema admits only plain identifiers.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
COLUMN_TYPES = {"id", "text", "enum", "number", "int", "date", "bool", "uscc", "idcard", "phone", "email", "ip", "mac"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    ref: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Column]
    key: str | None = None
    required: bool = False


@dataclass(frozen=True)
class NodeSource:
    table: str
    column: str
    kind: str | None = None


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    sources: tuple[NodeSource, ...]
    all_properties: bool = False
    role_labels: dict[str, str] = field(default_factory=dict)

    @property
    def entity_table(self) -> str | None:
        """The table whose rows are this label's nodes, for entity (not value) nodes."""
        return self.sources[0].table if self.all_properties else None


@dataclass(frozen=True)
class Endpoint:
    label: str
    column: str


@dataclass(frozen=True)
class Relationship:
    type: str
    table: str
    start: Endpoint
    end: Endpoint
    when: str | None = None
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table]
    nodes: dict[str, NodeType]
    relationships: tuple[Relationship, ...]

    @property
    def relationship_types(self) -> list[str]:
        return sorted({r.type for r in self.relationships})

    def node_label_for_value(self, table: str, column: str) -> str | None:
        for node in self.nodes.values():
            if any(s.table == table and s.column == column for s in node.sources):
                return node.label
        return None


def _parse(doc: dict) -> Schema:
    tables: dict[str, Table] = {}
    for name, spec in doc["tables"].items():
        columns = {}
        for col, c in spec["columns"].items():
            if c["type"] not in COLUMN_TYPES:
                raise SchemaError(f"table {name}: column {col} has unknown type {c['type']!r}")
            columns[col] = Column(
                col,
                c["type"],
                c.get("required", False),
                tuple(c.get("aliases", ())),
                tuple(c.get("values", ())),
                c.get("ref"),
            )
        key = spec.get("key")
        if key is not None and key not in columns:
            raise SchemaError(f"table {name}: key {key!r} is not a column")
        tables[name] = Table(name, columns, key, spec.get("required", False))
    for t in tables.values():
        for c in t.columns.values():
            if c.ref and (c.ref not in tables or tables[c.ref].key is None):
                raise SchemaError(f"table {t.name}: column {c.name} refers to {c.ref!r}, which has no key")

    nodes: dict[str, NodeType] = {}
    for label, spec in doc["nodes"].items():
        sources = tuple(NodeSource(s["table"], s["column"], s.get("kind")) for s in spec["from"])
        for s in sources:
            if s.column not in tables.get(s.table, Table("", {})).columns:
                raise SchemaError(f"node {label}: source {s.table}.{s.column} is not a bundle column")
        nodes[label] = NodeType(
            label, spec["key"], sources, spec.get("properties") == "*", dict(spec.get("role_labels", {}))
        )

    rels = []
    for spec in doc["relationships"]:
        start = Endpoint(spec["from"]["label"], spec["from"]["column"])
        end = Endpoint(spec["to"]["label"], spec["to"]["column"])
        table = tables.get(spec["table"])
        if table is None:
            raise SchemaError(f"relationship {spec['type']}: unknown table {spec['table']!r}")
        for ep in (start, end):
            if ep.label not in nodes or ep.column not in table.columns:
                raise SchemaError(f"relationship {spec['type']}: bad endpoint {ep}")
        rels.append(
            Relationship(spec["type"], spec["table"], start, end, spec.get("when"), tuple(spec.get("properties", ())))
        )
    _check_endpoints(rels)
    _check_identifiers(tables, nodes, rels)
    return Schema(tables, nodes, tuple(rels))


def _check_identifiers(tables, nodes, rels) -> None:
    names = [c for t in tables.values() for c in t.columns] + list(nodes) + [n.key for n in nodes.values()]
    names += [r.type for r in rels] + [role for n in nodes.values() for role in n.role_labels]
    bad = sorted({n for n in names if not IDENTIFIER.match(n)})
    if bad:
        raise SchemaError(f"schema names must be plain identifiers: {bad}")


def _check_endpoints(rels: list[Relationship]) -> None:
    # A type may have several sources; they must agree on the end label, so that a pattern
    # such as ()-[:HAS_DOCUMENT]->(:Document) means one thing. (Start labels may differ:
    # organizations and persons both have phones.)
    seen: dict[str, str] = {}
    for r in rels:
        if seen.setdefault(r.type, r.end.label) != r.end.label:
            raise SchemaError(f"relationship {r.type} has sources with different end labels")


@cache
def schema(path: Path | None = None) -> Schema:
    """The schema (cached). ``path`` is for tests; the default is ``schema.toml`` here."""
    path = path or Path(__file__).with_name("schema.toml")
    with open(path, "rb") as fh:
        return _parse(tomllib.load(fh))
