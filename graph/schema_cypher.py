"""``schema.cypher``: the Neo4j constraints and indexes, generated from ``schema.toml``.

The file at the repository root is the output of :func:`render` (a test keeps them equal) and
ships inside the package as ``bidgraph/graph/schema.cypher``; the Neo4j store applies
:func:`shipped_statements` before every load. Every statement is idempotent (``IF NOT EXISTS``).
"""

from __future__ import annotations

import re
from importlib import resources

from bidgraph.graph.schema import Schema

__all__ = ["render", "statements", "shipped_text", "shipped_statements"]

HEADER = """\
// Neo4j constraints and indexes for bidgraph, generated from graph/schema.toml by
//   python -m bidgraph.graph.schema --cypher > schema.cypher
// Do not edit by hand: tests/test_schema_cypher.py fails when the two differ. The Neo4j store
// applies these statements (each idempotent) before every load.
"""
# Substring search (CONTAINS) is served by a text index; equality by the default range index.
_TEXT_MATCHES = {"fuzzy_name", "name"}


def _snake(label: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", label).lower()


def _constraint(label: str, key: str) -> str:
    return f"CREATE CONSTRAINT {_snake(label)}_key IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE;"


def _index(label: str, prop: str, text: bool = False) -> str:
    kind, suffix = ("TEXT INDEX", "_text") if text else ("INDEX", "")
    return f"CREATE {kind} {_snake(label)}_{prop}{suffix} IF NOT EXISTS FOR (n:{label}) ON (n.{prop});"


def render(sch: Schema) -> str:
    """The text of ``schema.cypher`` for ``sch``: a key constraint per node label (bundle and
    store nodes), then the declared indexes, then one index per search field."""
    keys = [(n.label, n.key) for n in sch.nodes.values()] + [(s.label, s.key) for s in sch.store_nodes.values()]
    declared = [(n.label, p) for n in sch.nodes.values() for p in n.indexes]
    declared += [(s.label, p) for s in sch.store_nodes.values() for p in s.indexes]
    search = [(f.label, f.property, f.match in _TEXT_MATCHES) for f in sch.search_fields]
    lines = [HEADER, "// One key per node label."]
    lines += [_constraint(label, key) for label, key in keys]
    lines += ["", "// Declared in schema.toml (`indexes`)."]
    lines += [_index(label, prop) for label, prop in declared]
    lines += ["", "// What search looks in (schema.toml [search])."]
    lines += [_index(label, prop, text) for label, prop, text in dict.fromkeys(search)]
    return "\n".join(lines) + "\n"


def statements(text: str) -> list[str]:
    """The statements of a Cypher script, comments and blank lines dropped, without ``;``."""
    text = re.sub(r"//.*", "", text)
    return [s.strip() for s in text.split(";") if s.strip()]


def shipped_text() -> str:
    """The ``schema.cypher`` installed with the package."""
    return resources.files("bidgraph.graph").joinpath("schema.cypher").read_text(encoding="utf-8")


def shipped_statements() -> list[str]:
    return statements(shipped_text())
