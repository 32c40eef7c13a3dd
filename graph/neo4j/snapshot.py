"""The detectors' projection read back from Neo4j: every bundle table as a typed DataFrame,
entity tables from their nodes, link tables from the relationships that carry their rows,
stamped with the live load's version (read before and after: a load in between fails it)."""

from __future__ import annotations

import pandas as pd

from bidgraph.errors import StoreError
from bidgraph.graph.neo4j.connection import Connection
from bidgraph.graph.neo4j.write import live_load
from bidgraph.graph.schema import Schema
from bidgraph.graph.snapshot import Snapshot

__all__ = ["snapshot"]


def snapshot(conn: Connection, sch: Schema) -> Snapshot:
    version = _live_version(conn, sch)
    tables: dict[str, pd.DataFrame] = {}
    for name, table in sch.tables.items():
        label = next((n.label for n in sch.nodes.values() if n.entity_table == name), None)
        if table.key:
            # a keyed table no node is made from (none today) is not in the graph to read back
            query = f"MATCH (n:{label}) RETURN properties(n) AS p ORDER BY n._row"
            rows = [r["p"] for r in conn.run(query)] if label else []
        else:
            rows = _link_rows(conn, sch, name)
        if rows:
            tables[name] = _typed(sch, name, pd.DataFrame(rows))
    if _live_version(conn, sch) != version:
        raise StoreError("a load into Neo4j ran while the graph was read; run again / 读取期间图谱已变更，请重试")
    return Snapshot(tables, version=version)


def _live_version(conn: Connection, sch: Schema) -> str | None:
    live = live_load(conn, sch)
    return None if live is None else live["version"]


def _link_rows(conn: Connection, sch: Schema, table: str) -> list[dict]:
    # A row of a keyless table may sit on several relationships (an upload: IP and device);
    # its `src` (table:row) gathers them back into one.
    types = sorted({r.type for r in sch.relationships if r.table == table})
    if not types:
        return []
    found = conn.run(
        f"MATCH ()-[r:{'|'.join(types)}]->() WHERE r.src STARTS WITH $prefix "
        "RETURN r.src AS src, properties(r) AS p ORDER BY r.src",
        prefix=f"{table}:",
    )
    rows: dict[str, dict] = {}
    for rec in found:
        rows.setdefault(rec["src"], {k: v for k, v in rec["p"].items() if k != "src"})
    return list(rows.values())


def _typed(sch: Schema, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    for col, spec in sch.tables[name].columns.items():
        if col not in frame:
            frame[col] = None
        if spec.type == "date":
            frame[col] = pd.to_datetime(frame[col])
        elif spec.type == "number":
            frame[col] = pd.to_numeric(frame[col]).astype(float)
        elif spec.type == "int":
            frame[col] = pd.to_numeric(frame[col]).astype("Int64")
        elif spec.type == "bool":
            frame[col] = frame[col].astype("boolean")
    return frame
