"""The Neo4j store: the same query API over a shared Neo4j database, through the official
driver. Every value travels as a ``$parameter`` through ``_run``; the only text put into Cypher
is labels, relationship types and keys from the schema (checked to be identifiers) and integer
bounds checked here.

Selected by ``BIDGRAPH_NEO4J_URI`` (+ ``BIDGRAPH_NEO4J_USER``, ``BIDGRAPH_NEO4J_PASSWORD``,
``BIDGRAPH_NEO4J_DATABASE``). Tests: tests/test_store_neo4j.py, run when the URI is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from bidgraph.errors import NotFound, StoreError
from bidgraph.graph.build import edge_frames, node_frames, split_uid
from bidgraph.graph.schema import schema
from bidgraph.graph.snapshot import Snapshot

__all__ = ["Neo4jStore"]

BATCH = 5000
SCHEMA_CYPHER = Path(__file__).resolve().parents[2] / "schema.cypher"


def content_hash(tables: dict[str, pd.DataFrame]) -> str:
    """A fingerprint of the validated content, so that loading the same bundle twice is a no-op."""
    h = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        h.update(name.encode())
        h.update(",".join(map(str, frame.columns)).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _value(v):
    if v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v)):  # None, NaN, NaT, pd.NA
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _props(frame: pd.DataFrame, columns) -> list[dict]:
    records = frame[list(columns)].to_dict("records")
    return [{k: x for k, v in r.items() if (x := _value(v)) is not None} for r in records]


def _schema_statements() -> list[str]:
    text = re.sub(r"//.*", "", SCHEMA_CYPHER.read_text(encoding="utf-8"))
    return [s.strip() for s in text.split(";") if s.strip()]


class Neo4jStore:
    kind = "neo4j"

    def __init__(self, driver, database: str | None = None):
        self.driver = driver
        self.database = database
        self.schema = schema()

    @classmethod
    def from_env(cls, workspace: Path | None = None) -> Neo4jStore:
        import neo4j

        uri = os.environ["BIDGRAPH_NEO4J_URI"]
        auth = (os.environ.get("BIDGRAPH_NEO4J_USER", "neo4j"), os.environ.get("BIDGRAPH_NEO4J_PASSWORD", ""))
        try:
            driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            driver.verify_connectivity()
        except Exception as exc:  # the driver raises many kinds; the user needs one line
            raise StoreError(f"cannot reach Neo4j at {uri}: {exc}") from None
        return cls(driver, os.environ.get("BIDGRAPH_NEO4J_DATABASE") or None)

    def _run(self, query: str, **params) -> list[dict]:
        """The one place Cypher is sent. Values only ever arrive as parameters."""
        try:
            records, _, _ = self.driver.execute_query(query, params, database_=self.database)
        except Exception as exc:
            raise StoreError(f"Neo4j query failed: {exc}") from None
        return [r.data() for r in records]

    def _batched(self, query: str, rows: list[dict]) -> None:
        for i in range(0, len(rows), BATCH):
            self._run(query, rows=rows[i : i + BATCH])

    # -- loading -------------------------------------------------------------------------------
    def load(self, bundle) -> dict:
        digest = content_hash(bundle.tables)
        if self._run("MATCH (l:BidgraphLoad {content_sha256: $h}) RETURN l.content_sha256 AS h", h=digest):
            return {"version": digest[:12], "unchanged": True}
        for statement in _schema_statements():
            self._run(statement)
        for label, frame in node_frames(bundle.tables, self.schema).items():
            key = frame.node.key
            if frame.rows is not None:
                rows = [{"key": k, "props": p} for k, p in zip(frame.keys, _props(frame.rows, frame.rows.columns))]
            else:
                rows = [{"key": k, "props": {key: k, "kind": kind}} for k, kind in zip(frame.keys, frame.kinds)]
            self._batched(f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n += row.props", rows)
        for ef in edge_frames(bundle.tables, self.schema):
            rel, table = ef.rel, bundle.tables[ef.rel.table]
            # Rows of tables without a key (uploads, roles, scores...) live only on their
            # relationships, so those carry the whole row; entity tables' links carry theirs.
            columns = rel.properties if self.schema.tables[rel.table].key else table.columns
            props = _props(table.iloc[ef.row], columns)
            rows = [
                {"a": a, "b": b, "src": f"{rel.table}:{r}", "props": p}
                for a, b, r, p in zip(ef.start.to_pylist(), ef.end.to_pylist(), ef.row.tolist(), props)
            ]
            start, end = self.schema.nodes[rel.start.label], self.schema.nodes[rel.end.label]
            self._batched(
                f"UNWIND $rows AS row MATCH (a:{start.label} {{{start.key}: row.a}}) "
                f"MATCH (b:{end.label} {{{end.key}: row.b}}) "
                f"MERGE (a)-[r:{rel.type} {{src: row.src}}]->(b) SET r += row.props",
                rows,
            )
        for role, rel_type in self.schema.nodes["Organization"].role_labels.items():
            self._run(f"MATCH (o:Organization)-[:{rel_type}]->() WITH DISTINCT o SET o:{role}")
        self._run(
            "MERGE (l:BidgraphLoad {content_sha256: $h}) SET l.counts = $counts, l.source = $source",
            h=digest,
            counts=json.dumps(bundle.counts),
            source=str(bundle.source),
        )
        return {"version": digest[:12], "unchanged": False}

    # -- reading -------------------------------------------------------------------------------
    def _match(self, uid: str, var: str = "n") -> tuple[str, dict]:
        label, key = split_uid(uid)
        node = self.schema.nodes.get(label)
        if node is None:
            raise NotFound(f"no node {uid!r}")
        return f"({var}:{label} {{{node.key}: ${var}_key}})", {f"{var}_key": key}

    def _node(self, props: dict, labels: list[str]) -> dict:
        label = next(l for l in labels if l in self.schema.nodes)
        node = self.schema.nodes[label]
        key = str(props.get(node.key))
        source = (
            {"table": node.entity_table, "file": props.get("_file"), "row": props.get("_row")}
            if node.entity_table
            else None
        )
        clean = {k: v for k, v in props.items() if not k.startswith("_")}
        return {
            "id": f"{label}:{key}",
            "label": label,
            "labels": [label] + sorted(set(labels) - {label}),
            "key": key,
            "caption": str(clean.get("name") or key),
            "properties": clean,
            "source": source,
        }

    def _edge(self, rec: dict) -> dict:
        props = dict(rec["props"])
        src = props.pop("src", "")
        table, _, row = src.partition(":")
        provenance = {"table": table, "file": props.pop("_file", None), "row": props.pop("_row", None)}
        return {
            "id": rec["eid"],
            "source": rec["a"],
            "target": rec["b"],
            "type": rec["type"],
            "properties": props,
            "provenance": provenance,
        }

    def info(self) -> dict:
        nodes = {label: self._run(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"] for label in self.schema.nodes}
        rels = {
            t: self._run(f"MATCH ()-[r:{t}]->() RETURN count(r) AS c")[0]["c"] for t in self.schema.relationship_types
        }
        loads = self._run("MATCH (l:BidgraphLoad) RETURN l.counts AS counts ORDER BY l.content_sha256")
        counts = json.loads(loads[-1]["counts"]) if loads else {}
        return {
            "nodes": nodes,
            "relationships": rels,
            "store": self.kind,
            "quarantine": {t: c.get("quarantined", 0) for t, c in counts.items()},
        }

    _EDGE_RETURN = (
        "elementId(r) AS eid, type(r) AS type, properties(r) AS props, "
        "labels(startNode(r)) AS al, properties(startNode(r)) AS ap, "
        "labels(endNode(r)) AS bl, properties(endNode(r)) AS bp"
    )

    def _edges(self, records: list[dict]) -> list[dict]:
        out = []
        for rec in records:
            a, b = self._node(rec["ap"], rec["al"]), self._node(rec["bp"], rec["bl"])
            out.append(self._edge({**rec, "a": a["id"], "b": b["id"]}))
        return out

    def node(self, uid: str) -> dict:
        pattern, params = self._match(uid)
        found = self._run(f"MATCH {pattern} RETURN properties(n) AS p, labels(n) AS l", **params)
        if not found:
            raise NotFound(f"no node {uid!r}")
        node = self._node(found[0]["p"], found[0]["l"])
        degree = self._run(f"MATCH {pattern}-[r]-() RETURN type(r) AS t, count(r) AS c ORDER BY t", **params)
        return {**node, "degree": {d["t"]: d["c"] for d in degree}}

    def expand(self, uid: str, types: list[str] | None = None, limit: int = 50, offset: int = 0) -> dict:
        self.node(uid)
        pattern, params = self._match(uid)
        where = "WHERE $types IS NULL OR type(r) IN $types"
        counts = self._run(
            f"MATCH {pattern}-[r]-() {where} RETURN type(r) AS t, count(r) AS c ORDER BY t", types=types, **params
        )
        page = self._run(
            f"MATCH {pattern}-[r]-(m) {where} RETURN {self._EDGE_RETURN}, properties(m) AS mp, "
            "labels(m) AS ml ORDER BY type(r), elementId(m) SKIP $offset LIMIT $limit",
            types=types,
            offset=int(offset),
            limit=int(limit),
            **params,
        )
        nodes = {}
        for rec in page:
            n = self._node(rec["mp"], rec["ml"])
            nodes.setdefault(n["id"], n)
        return {
            "center": uid,
            "total": sum(c["c"] for c in counts),
            "offset": offset,
            "limit": limit,
            "by_type": {c["t"]: c["c"] for c in counts},
            "nodes": list(nodes.values()),
            "edges": self._edges(page),
        }

    def paths(self, a: str, b: str, max_hops: int = 4, limit: int = 10, types: list[str] | None = None) -> dict:
        pa, params = self._match(a, "a")
        pb, params_b = self._match(b, "b")
        hops = int(max_hops)
        rel = ":" + "|".join(t for t in types if t in self.schema.relationship_types) if types else ""
        found = self._run(
            f"MATCH {pa}, {pb} MATCH p = allShortestPaths((a)-[{rel}*..{hops}]-(b)) "
            "RETURN [n IN nodes(p) | [labels(n), properties(n)]] AS ns, "
            f"[r IN relationships(p) | {{eid: elementId(r), type: type(r), props: properties(r), "
            "al: labels(startNode(r)), ap: properties(startNode(r)), "
            "bl: labels(endNode(r)), bp: properties(endNode(r))}] AS rs LIMIT $limit",
            limit=int(limit),
            **params,
            **params_b,
        )
        paths, nodes = [], {}
        for rec in found:
            ns = [self._node(p, l) for l, p in rec["ns"]]
            for n in ns:
                nodes.setdefault(n["id"], n)
            paths.append({"nodes": [n["id"] for n in ns], "edges": self._edges(rec["rs"])})
        return {"paths": paths, "nodes": list(nodes.values()), "max_hops": hops}

    def subgraph(self, uids: list[str]) -> dict:
        nodes = [self.node(u) for u in dict.fromkeys(uids)]
        by_label: dict[str, list[str]] = {}
        for n in nodes:
            by_label.setdefault(n["label"], []).append(n["key"])
        edges = []
        for la, keys_a in by_label.items():
            for lb, keys_b in by_label.items():
                ka, kb = self.schema.nodes[la].key, self.schema.nodes[lb].key
                edges += self._run(
                    f"MATCH (a:{la})-[r]->(b:{lb}) WHERE a.{ka} IN $ka AND b.{kb} IN $kb RETURN {self._EDGE_RETURN}",
                    ka=keys_a,
                    kb=keys_b,
                )
        return {"nodes": nodes, "edges": self._edges(edges)}

    def search(self, text: str, limit: int = 20) -> list[dict]:
        q = (text or "").strip()
        if not q:
            return []
        hits = []
        for label, node in self.schema.nodes.items():
            hits += self._run(
                f"MATCH (n:{label}) WHERE n.{node.key} = $q RETURN properties(n) AS p, labels(n) AS l", q=q
            )
        for label, prop in (("Organization", "uscc"), ("Person", "id_number")):
            hits += self._run(
                f"MATCH (n:{label}) WHERE n.{prop} = toUpper($q) RETURN properties(n) AS p, labels(n) AS l", q=q
            )
        for label in ("Organization", "Person", "Expert", "Project", "Lot"):
            hits += self._run(
                f"MATCH (n:{label}) WHERE n.name CONTAINS $q RETURN properties(n) AS p, labels(n) AS l "
                "ORDER BY size(n.name) LIMIT $limit",
                q=q,
                limit=int(limit),
            )
        out = {}
        for h in hits:
            n = self._node(h["p"], h["l"])
            out.setdefault(n["id"], n)
        return list(out.values())[:limit]

    def snapshot(self) -> Snapshot:
        tables: dict[str, pd.DataFrame] = {}
        for name, table in self.schema.tables.items():
            if table.key:
                label = next(n.label for n in self.schema.nodes.values() if n.entity_table == name)
                rows = [r["p"] for r in self._run(f"MATCH (n:{label}) RETURN properties(n) AS p ORDER BY n._row")]
            else:
                rows = self._link_rows(name)
            if rows:
                tables[name] = self._typed(name, pd.DataFrame(rows))
        return Snapshot(tables)

    def _link_rows(self, table: str) -> list[dict]:
        types = sorted({r.type for r in self.schema.relationships if r.table == table})
        found = self._run(
            f"MATCH ()-[r:{'|'.join(types)}]->() WHERE r.src STARTS WITH $prefix "
            "RETURN r.src AS src, properties(r) AS p ORDER BY r.src",
            prefix=f"{table}:",
        )
        rows = {}
        for rec in found:
            rows.setdefault(rec["src"], {k: v for k, v in rec["p"].items() if k != "src"})
        return list(rows.values())

    def _typed(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        for col, spec in self.schema.tables[name].columns.items():
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

    # -- findings ------------------------------------------------------------------------------
    def save_findings(self, findings: list[dict]) -> None:
        self._run("MATCH (f:Finding) DETACH DELETE f")
        rows = [
            {
                "id": f["id"],
                "props": {
                    "detector": f["detector"],
                    "score": f["score"],
                    "severity": f["severity"],
                    "summary": f["summary"],
                    "json": json.dumps(f, ensure_ascii=False),
                },
            }
            for f in findings
        ]
        self._batched("UNWIND $rows AS row MERGE (f:Finding {id: row.id}) SET f += row.props", rows)
        labels = {
            "company": "Organization",
            "person": "Person",
            "expert": "Expert",
            "lot": "Lot",
            "project": "Project",
            "contract": "Contract",
            "ip": "IP",
            "device": "Device",
            "document": "Document",
        }
        for etype, label in labels.items():
            links = [
                {"f": f["id"], "k": e["id"], "role": e["role"]}
                for f in findings
                for e in f["entities"]
                if e["type"] == etype
            ]
            key = self.schema.nodes[label].key
            self._batched(
                f"UNWIND $rows AS row MATCH (f:Finding {{id: row.f}}) MATCH (n:{label} {{{key}: row.k}}) "
                "MERGE (f)-[:FLAGS {role: row.role}]->(n)",
                links,
            )

    def findings(self) -> list[dict]:
        return [json.loads(r["j"]) for r in self._run("MATCH (f:Finding) RETURN f.json AS j ORDER BY f.id")]
