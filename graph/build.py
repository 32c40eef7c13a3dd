"""Turn validated bundle tables into nodes and relationships, as the schema declares.

Both stores use this: the embedded store indexes the result in memory, the Neo4j writer sends
it in batches. Nothing here knows about either store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from bidgraph.graph.schema import NodeType, Relationship, Schema, schema

__all__ = ["NodeFrame", "EdgeFrame", "node_frames", "edge_frames", "split_uid"]


@dataclass(frozen=True)
class NodeFrame:
    """The nodes of one label: ``keys`` (unique, as str) and, for entity nodes, the table rows
    they come from (``rows``: the table, aligned with ``keys``); for value nodes, the kind of
    each value (``kinds``: e.g. mac / hardware_id)."""

    node: NodeType
    keys: pd.Index
    rows: pd.DataFrame | None = None
    kinds: pd.Series | None = None


@dataclass(frozen=True)
class EdgeFrame:
    """The relationships of one schema source: start and end keys (Arrow string arrays, so a
    province's millions of endpoints never become Python objects), and the position of the
    table row that produced each (for its properties and provenance)."""

    rel: Relationship
    start: pa.Array
    end: pa.Array
    row: np.ndarray


def split_uid(uid: str) -> tuple[str, str]:
    """``"Organization:ORG1"`` → ``("Organization", "ORG1")``. Keys may contain colons (MACs)."""
    label, sep, key = uid.partition(":")
    if not sep or not key:
        raise ValueError(f"not a node id: {uid!r}")
    return label, key


def _key_index(keys: pd.Series, name: str) -> pd.Index:
    # An object-dtype index: its hash table is built once and single look-ups (get_loc) take
    # a microsecond; an Arrow-backed string index would convert itself on every look-up.
    return pd.Index(np.asarray(keys, dtype=object), dtype=object, name=name)


def node_frames(tables: dict[str, pd.DataFrame], sch: Schema | None = None) -> dict[str, NodeFrame]:
    sch = sch or schema()
    frames = {}
    for label, node in sch.nodes.items():
        if node.all_properties:
            table = tables.get(node.sources[0].table)
            rows = table if table is not None else pd.DataFrame(columns=[node.sources[0].column])
            keys = _key_index(rows[node.sources[0].column].astype(str), node.key)
            frames[label] = NodeFrame(node, keys, rows.reset_index(drop=True))
            continue
        parts = []
        for src in node.sources:
            table = tables.get(src.table)
            if table is None or src.column not in table:
                continue
            values = table[src.column].dropna().astype(str)
            parts.append(pd.DataFrame({"key": values, "kind": src.kind or src.column}))
        values = pd.concat(parts) if parts else pd.DataFrame({"key": [], "kind": []})
        values = values.drop_duplicates("key").sort_values("key", kind="stable")
        frames[label] = NodeFrame(
            node,
            _key_index(values["key"], node.key),
            None,
            pd.Series(values["kind"].to_numpy(), index=values["key"].to_numpy()),
        )
    return frames


def edge_frames(tables: dict[str, pd.DataFrame], sch: Schema | None = None) -> list[EdgeFrame]:
    sch = sch or schema()
    out = []
    for rel in sch.relationships:
        table = tables.get(rel.table)
        if table is None or rel.start.column not in table or rel.end.column not in table:
            continue
        mask = table[rel.start.column].notna() & table[rel.end.column].notna()
        if rel.when:
            mask &= table[rel.when].fillna(False).astype(bool)
        positions = np.flatnonzero(mask.to_numpy())
        out.append(
            EdgeFrame(
                rel,
                _arrow_text(table[rel.start.column], positions),
                _arrow_text(table[rel.end.column], positions),
                positions,
            )
        )
    return out


def _arrow_text(column: pd.Series, positions: np.ndarray) -> pa.Array:
    values = pa.array(column, from_pandas=True)
    if not pa.types.is_large_string(values.type):  # one type for every source, as Arrow look-ups need
        values = values.cast(pa.large_string())
    return values.take(pa.array(positions))
