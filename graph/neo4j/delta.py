"""What a load or an append writes to Neo4j: the difference between the graph's tables before
and after, as parameterized ``UNWIND $rows`` statements (a plan of :class:`Step`), so that an
append sends only what changed and a first load is the difference from nothing.

A relationship is named by the row that made it: ``src`` is ``table:<digest of the row's
values and source>``, so the same row gives the same relationship whichever load wrote it, and
a row that changed or left gives a relationship to delete. Nodes are named by their keys.

Order: relationships that left, nodes that left (detached), nodes added or changed (their
properties replaced by the row's), relationships added, then the organizations' role labels.
Only schema names reach the Cypher text; every value is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bidgraph.graph.build import NodeFrame, edge_frames, node_frames
from bidgraph.graph.schema import NodeType, Relationship, Schema

__all__ = ["Step", "plan", "row_ids", "plain_rows", "relationship_queries", "node_queries", "role_queries"]


@dataclass(frozen=True)
class Step:
    """One statement and the rows it unwinds (``None``: run once, without rows)."""

    query: str
    rows: list[dict] | None = None
    params: dict | None = None  # besides the rows


def _plain(v):
    if v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v)):  # None, NaN, NaT, pd.NA
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def plain_rows(frame: pd.DataFrame, columns) -> list[dict]:
    """Rows as the driver accepts them as parameters: missing values dropped, dates as ISO
    text, numpy scalars as Python ones."""
    records = frame[list(columns)].to_dict("records")
    return [{k: x for k, v in r.items() if (x := _plain(v)) is not None} for r in records]


def _canonical(column: pd.Series | None, n: int) -> pd.Series:
    """A column as text that does not depend on how it was typed (a missing value is one text)."""
    if column is None:
        return pd.Series(["\0"] * n, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(column):
        text = column.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    else:
        text = column.astype(object).map(lambda v: str(v.item() if isinstance(v, np.generic) else v))
    return text.where(column.notna().to_numpy(), "\0").reset_index(drop=True)


def row_ids(sch: Schema, name: str, frame: pd.DataFrame) -> np.ndarray:
    """``table:digest`` of each row: its schema columns and source, however they are typed."""
    columns = [*sch.tables[name].columns, "_file", "_row"]
    canon = pd.DataFrame({c: _canonical(frame[c] if c in frame else None, len(frame)) for c in columns})
    digests = pd.util.hash_pandas_object(canon, index=False).to_numpy()
    return np.array([f"{name}:{d:016x}" for d in digests.tolist()], dtype=object)


def relationship_queries(rel: Relationship, start: NodeType, end: NodeType) -> dict[str, str]:
    """The statements of one relationship source between its end labels (see :func:`plan`)."""
    return {
        # Of the relationships this source made from node a, those not in row.keep: matched by
        # what is stored, not by recomputing the digests of the rows that made them.
        "drop": (
            f"UNWIND $rows AS row MATCH (a:{start.label} {{{start.key}: row.a}})-[r:{rel.type}]->() "
            "WHERE r.src STARTS WITH $table AND NOT r.src IN row.keep DELETE r"
        ),
        "merge": (
            f"UNWIND $rows AS row MATCH (a:{start.label} {{{start.key}: row.a}}) "
            f"MATCH (b:{end.label} {{{end.key}: row.b}}) "
            f"MERGE (a)-[r:{rel.type} {{src: row.src}}]->(b) SET r = row.props, r.src = row.src"
        ),
    }


def node_queries(node: NodeType) -> dict[str, str]:
    return {
        "drop": f"UNWIND $rows AS k MATCH (n:{node.label} {{{node.key}: k}}) DETACH DELETE n",
        "merge": f"UNWIND $rows AS row MERGE (n:{node.label} {{{node.key}: row.key}}) SET n = row.props",
    }


def role_queries(node: NodeType, role: str, rel_type: str) -> tuple[str, str]:
    """(give ``role`` to the nodes that start a ``rel_type``, take it from those that no longer do)."""
    return (
        f"MATCH (o:{node.label})-[:{rel_type}]->() WITH DISTINCT o SET o:{role}",
        f"MATCH (o:{node.label}:{role}) WHERE NOT (o)-[:{rel_type}]->() REMOVE o:{role}",
    )


def _node_rows(frames: dict[str, NodeFrame], ids: dict[str, np.ndarray]) -> dict[str, dict]:
    """Per label ``{key: (identity, what)}``: for an entity its row id and row position, for a
    value its kind and properties."""
    out: dict[str, dict] = {}
    for label, frame in frames.items():
        key = frame.node.key
        if frame.rows is not None:
            table = frame.node.entity_table
            assert table is not None
            rows = ids[table] if table in ids else np.empty(0, dtype=object)
            out[label] = {k: (r, i) for i, (k, r) in enumerate(zip(frame.keys, rows))}
        else:
            kinds = [] if frame.kinds is None else frame.kinds.tolist()
            out[label] = {k: (kind, {key: k, "kind": kind}) for k, kind in zip(frame.keys, kinds)}
    return out


def _node_steps(sch: Schema, frames: dict[str, NodeFrame], old: dict, new: dict) -> tuple[list[Step], list[Step]]:
    drops, merges = [], []
    for label, now in new.items():
        node, was = sch.nodes[label], old.get(label, {})
        gone = [k for k in was if k not in now]
        changed = [k for k, (identity, _) in now.items() if was.get(k, (None,))[0] != identity]
        if gone:
            drops.append(Step(node_queries(node)["drop"], gone))
        if not changed:
            continue
        if frames[label].rows is not None:
            rows = frames[label].rows
            assert rows is not None
            at = [now[k][1] for k in changed]
            props = plain_rows(rows.iloc[at], rows.columns)
        else:
            props = [now[k][1] for k in changed]
        merges.append(Step(node_queries(node)["merge"], [{"key": k, "props": p} for k, p in zip(changed, props)]))
    return drops, merges


def _edges(sch: Schema, tables: dict[str, pd.DataFrame], ids: dict[str, np.ndarray]) -> dict[int, dict]:
    """Per relationship source (its number in the schema): ``{src: (a, b, row position)}``."""
    out: dict[int, dict] = {}
    for ef in edge_frames(tables, sch):
        src = ids[ef.rel.table][ef.row]
        out[sch.relationships.index(ef.rel)] = {
            s: (a, b, r) for s, a, b, r in zip(src, ef.start.to_pylist(), ef.end.to_pylist(), ef.row.tolist())
        }
    return out


def plan(sch: Schema, before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> list[Step]:
    """The statements that turn the graph of tables ``before`` into that of ``after``."""
    ids_before = {name: row_ids(sch, name, frame) for name, frame in before.items() if name in sch.tables}
    ids_after = {name: row_ids(sch, name, frame) for name, frame in after.items() if name in sch.tables}
    old_edges, new_edges = _edges(sch, before, ids_before), _edges(sch, after, ids_after)
    drop_rels, merge_rels = [], []
    for i in sorted(set(old_edges) | set(new_edges)):
        rel = sch.relationships[i]
        queries = relationship_queries(rel, sch.nodes[rel.start.label], sch.nodes[rel.end.label])
        was, now = old_edges.get(i, {}), new_edges.get(i, {})
        added = [s for s in now if s not in was]
        touched = {a for s, (a, _, _) in was.items() if s not in now} | {now[s][0] for s in added}
        if touched and was:
            keep: dict[str, list[str]] = {a: [] for a in touched}
            for s, (a, _, _) in now.items():
                if a in keep:
                    keep[a].append(s)
            rows = [{"a": a, "keep": keep[a]} for a in sorted(touched)]
            drop_rels.append(Step(queries["drop"], rows, {"table": f"{rel.table}:"}))
        if added:
            table = after[rel.table]
            # Rows of tables without a key (uploads, roles, scores...) live only on their
            # relationships, so those carry the whole row; entity tables' links carry theirs.
            columns = rel.properties if sch.tables[rel.table].key else table.columns
            props = plain_rows(table.iloc[[now[s][2] for s in added]], columns)
            rows = [{"a": now[s][0], "b": now[s][1], "src": s, "props": p} for s, p in zip(added, props)]
            merge_rels.append(Step(queries["merge"], rows))
    frames = node_frames(after, sch)
    old_nodes, new_nodes = _node_rows(node_frames(before, sch), ids_before), _node_rows(frames, ids_after)
    drop_nodes, merge_nodes = _node_steps(sch, frames, old_nodes, new_nodes)
    roles = [
        Step(q)
        for node in sch.nodes.values()
        for role, rel_type in node.role_labels.items()
        for q in role_queries(node, role, rel_type)
    ]
    return drop_rels + drop_nodes + merge_nodes + merge_rels + roles
