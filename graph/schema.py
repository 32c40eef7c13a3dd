"""The graph schema, read once from ``schema.toml`` beside this file.

Everything that needs to know the bundle's tables or the graph's vocabulary asks this module:
the loaders validate against ``tables``, both stores build nodes and relationships from
``nodes`` and ``relationships`` and search the ``search_fields``, findings name nodes through
``entity_types``, and the Neo4j store keeps its own ``store_nodes`` and ``store_relationships``.
``python -m bidgraph.graph.schema --cypher`` prints ``schema.cypher`` (see
:mod:`bidgraph.graph.schema_cypher`).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bidgraph.errors import SchemaError

__all__ = [
    "Column",
    "Table",
    "NodeSource",
    "NodeType",
    "Endpoint",
    "Relationship",
    "EntityType",
    "SearchField",
    "StoreNode",
    "StoreRelationship",
    "Schema",
    "schema",
]

# Labels, relationship types and property keys are written into Cypher text (Cypher cannot take
# them as parameters), so the schema admits only plain identifiers.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
COLUMN_TYPES = {"id", "text", "enum", "number", "int", "date", "bool", "uscc", "idcard", "phone", "email", "ip", "mac"}
SEARCH_MATCHES = ("fuzzy_name", "name", "registry_number", "reference")
ANY_LABEL = "*"


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
    # False for a table only a reader fills (OCDS releases): a bundle's file of that name is not read
    in_bundle: bool = True


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
    indexes: tuple[str, ...] = ()

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
class EntityType:
    """A finding's ``entities[].type`` (``company``) and the node label it names."""

    name: str
    label: str
    in_findings: bool = True
    names: tuple[str, str] = ("", "")  # [zh, en], what pages and packs call it


@dataclass(frozen=True)
class SearchField:
    """A node property that search looks in, and how (one of ``SEARCH_MATCHES``)."""

    label: str
    property: str
    match: str


@dataclass(frozen=True)
class StoreNode:
    """A node the Neo4j store writes for its own bookkeeping (``Finding``, ``BidgraphLoad``)."""

    label: str
    key: str
    properties: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreRelationship:
    """A relationship the Neo4j store writes itself; ``end`` may be ``ANY_LABEL``."""

    type: str
    start: str
    end: str
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table]
    nodes: dict[str, NodeType]
    relationships: tuple[Relationship, ...]
    entity_types: dict[str, EntityType] = field(default_factory=dict)
    search_fields: tuple[SearchField, ...] = ()
    store_nodes: dict[str, StoreNode] = field(default_factory=dict)
    store_relationships: dict[str, StoreRelationship] = field(default_factory=dict)
    value_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    canvas_group: str = ""  # the ``type`` of an analyst's group on the workbench canvas

    def value_label(self, value: str, lang: str) -> str:
        """The name of an enum value (a category, procedure, person role, ...) in ``lang``
        (``zh`` or ``en``); the value itself when the schema names it nowhere."""
        names = self.value_labels.get(str(value))
        return value if names is None else names[0 if lang == "zh" else 1]

    @property
    def relationship_types(self) -> list[str]:
        return sorted({r.type for r in self.relationships})

    @property
    def entity_labels(self) -> dict[str, str]:
        """Finding entity type -> node label (``company`` -> ``Organization``)."""
        return {e.name: e.label for e in self.entity_types.values() if e.in_findings}

    @property
    def finding_entity_types(self) -> frozenset[str]:
        """The entity types a finding may name (design/bundle.md)."""
        return frozenset(self.entity_labels)

    @property
    def label_entity_types(self) -> dict[str, str]:
        """Node label -> entity type, role labels included (``Bidder`` -> ``company``)."""
        out = {}
        for e in self.entity_types.values():
            out[e.label] = e.name
            out.update(dict.fromkeys(self.nodes[e.label].role_labels, e.name))
        return out

    def label_entity_type(self, label: str) -> str | None:
        """The entity type a node label (or role label) names, or None (``Phone``, ...)."""
        return self.label_entity_types.get(label)

    def search_fields_matching(self, *matches: str) -> list[SearchField]:
        """The search fields searched in one of the ways ``matches``, in schema order."""
        return [f for f in self.search_fields if f.match in matches]

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
        tables[name] = Table(name, columns, key, spec.get("required", False), spec.get("in_bundle", True))
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
            label,
            spec["key"],
            sources,
            spec.get("properties") == "*",
            dict(spec.get("role_labels", {})),
            tuple(spec.get("indexes", ())),
        )
        for prop in nodes[label].indexes:
            _check_property(tables, nodes[label], prop, "index")

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
    entity_types = _entity_types(doc.get("entity_types", {}), nodes)
    search = _search_fields(doc.get("search", {}).get("fields", []), tables, nodes)
    store_nodes, store_rels = _store(doc.get("store", {}), nodes)
    _check_identifiers(tables, nodes, rels, store_nodes, store_rels)
    labels = _value_labels(doc.get("value_labels", {}), tables)
    group = _canvas_group(doc["canvas"], nodes, store_nodes)
    return Schema(tables, nodes, tuple(rels), entity_types, search, store_nodes, store_rels, labels, group)


def _canvas_group(spec: dict, nodes: dict[str, NodeType], store_nodes: dict[str, StoreNode]) -> str:
    """``[canvas] group``: a canvas node of this type is a group, so no graph node may have it."""
    group = spec["group"]
    if group in nodes or group in store_nodes:
        raise SchemaError(f"canvas.group {group!r}: the label is already a graph node")
    return group


def _value_labels(spec: dict, tables: dict[str, Table]) -> dict[str, tuple[str, str]]:
    """``[value_labels]``: enum value -> (zh, en); every value named must be a value of some enum column."""
    known = {v for t in tables.values() for c in t.columns.values() for v in c.values}
    out = {}
    for value, names in spec.items():
        if value not in known or not (isinstance(names, list) and len(names) == 2):
            raise SchemaError(f"value_labels.{value}: not an enum value, or not [zh, en]")
        out[value] = (str(names[0]), str(names[1]))
    return out


def _check_property(tables: dict[str, Table], node: NodeType, prop: str, what: str) -> None:
    table = tables.get(node.entity_table or "")
    if prop != node.key and (table is None or prop not in table.columns):
        raise SchemaError(f"{what} {node.label}.{prop}: not a property of {node.label} nodes")


def _entity_types(doc: dict, nodes: dict[str, NodeType]) -> dict[str, EntityType]:
    out = {}
    for name, spec in doc.items():
        if spec["label"] not in nodes:
            raise SchemaError(f"entity type {name}: unknown label {spec['label']!r}")
        zh, en = spec.get("names") or (name, name)
        out[name] = EntityType(name, spec["label"], spec.get("in_findings", True), (str(zh), str(en)))
    return out


def _search_fields(doc: list[dict], tables: dict[str, Table], nodes: dict[str, NodeType]) -> tuple[SearchField, ...]:
    out = []
    for spec in doc:
        f = SearchField(spec["label"], spec["property"], spec["match"])
        if f.match not in SEARCH_MATCHES:
            raise SchemaError(f"search field {f.label}.{f.property}: match must be one of {SEARCH_MATCHES}")
        if f.label not in nodes:
            raise SchemaError(f"search field {f.label}.{f.property}: unknown label")
        _check_property(tables, nodes[f.label], f.property, "search field")
        out.append(f)
    return tuple(out)


def _store(doc: dict, nodes: dict[str, NodeType]) -> tuple[dict[str, StoreNode], dict[str, StoreRelationship]]:
    store_nodes = {}
    for label, spec in doc.get("nodes", {}).items():
        if label in nodes:
            raise SchemaError(f"store node {label}: the label is already a bundle node")
        node = StoreNode(label, spec["key"], tuple(spec.get("properties", ())), tuple(spec.get("indexes", ())))
        unknown = set(node.indexes) - {node.key, *node.properties}
        if unknown:
            raise SchemaError(f"store node {label}: indexes name unknown properties {sorted(unknown)}")
        store_nodes[label] = node
    rels = {}
    for rtype, spec in doc.get("relationships", {}).items():
        rel = StoreRelationship(rtype, spec["from"], spec["to"], tuple(spec.get("properties", ())))
        for end in (rel.start, rel.end):
            if end != ANY_LABEL and end not in nodes and end not in store_nodes:
                raise SchemaError(f"store relationship {rtype}: unknown label {end!r}")
        rels[rtype] = rel
    return store_nodes, rels


def _check_identifiers(tables, nodes, rels, store_nodes, store_rels) -> None:
    names = [c for t in tables.values() for c in t.columns] + list(nodes) + [n.key for n in nodes.values()]
    names += [r.type for r in rels] + [role for n in nodes.values() for role in n.role_labels]
    for s in store_nodes.values():
        names += [s.label, s.key, *s.properties]
    for r in store_rels.values():
        names += [r.type, *r.properties]
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


def main(argv: list[str] | None = None) -> int:
    """``python -m bidgraph.graph.schema --cypher``: print schema.cypher as generated."""
    parser = argparse.ArgumentParser(prog="python -m bidgraph.graph.schema", description=main.__doc__)
    parser.add_argument("--cypher", action="store_true", help="print the Neo4j constraints and indexes")
    args = parser.parse_args(argv)
    if not args.cypher:
        parser.print_help()
        return 2
    from bidgraph.graph.schema_cypher import render

    sys.stdout.write(render(schema()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
