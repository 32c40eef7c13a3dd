"""Find nodes from what an investigator types: a name (fuzzy, Chinese), a USCC, an ID
number, a phone, an IP, a MAC, a document fingerprint, or any node's key. Where to look and
how is the schema's ``search_fields`` (graph/schema.toml ``[search]``).

Input is only ever compared as text: nothing typed here is interpreted or executed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.graph.schema import schema
from bidgraph.graph.search_text import key_variants, looks_like_registry_number, normalize_query

__all__ = ["normalize_query", "search_index"]


def search_index(index, text: str, limit: int = 20) -> list[dict]:
    """Matches in order: exact keys and registry numbers first, then names containing the
    text, then names sharing the most character pairs with it."""
    q = normalize_query(text)
    if not q:
        return []
    hits: dict[int, float] = {}
    variants = key_variants(q)
    for label in index.labels:
        for key in variants:
            if (pos := index.position(label, key)) is not None:
                hits.setdefault(index.offsets[label] + pos, 3.0)
    exact = ["reference", "registry_number"] if looks_like_registry_number(q) else ["reference"]
    for field in schema().search_fields_matching(*exact):
        values = index.text_column(field.label, field.property)
        if values is not None:
            found = index.text.equal(field.label, field.property, values, variants)
            if found is None:
                found = np.flatnonzero(pc.is_in(values, value_set=pa.array(variants)).to_numpy(zero_copy_only=False))
            for p in found:
                hits.setdefault(int(index.offsets[field.label] + p), 3.0)
    for field in schema().search_fields_matching("name", "fuzzy_name"):
        label = field.label
        names = index.text_column(label, field.property)
        if names is None or len(hits) >= limit * 4:
            continue
        contains = _containing(index.text, label, field.property, names, q)[: limit * 4]
        lengths = pc.utf8_length(names.take(pa.array(contains, type=pa.int64()))).to_numpy(zero_copy_only=False)
        for p, n in zip(contains, lengths):
            # shorter names that contain the text are better matches
            hits.setdefault(int(index.offsets[label] + p), 2.0 + len(q) / max(n, 1))
        if len(q) >= 2 and len(contains) == 0 and field.match == "fuzzy_name":
            hits.update(_fuzzy(index.text, label, field.property, names, q, index.offsets[label], limit))
    ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    nodes = index.nodes([v for v, _ in ranked])
    return [{**node, "match": round(score, 3)} for node, (_, score) in zip(nodes, ranked)]


def _holding(text, label: str, prop: str, names: pa.Array, gram: str) -> np.ndarray:
    """Rows (ascending) whose name holds the character pair ``gram``: from the postings, or a scan."""
    if text.has_postings(label, prop):
        return text.postings(label, prop, gram)
    return np.flatnonzero(pc.match_substring(names, gram).to_numpy(zero_copy_only=False))


def _containing(text, label: str, prop: str, names: pa.Array, q: str) -> np.ndarray:
    """Rows (ascending) whose name contains q: only those holding every character pair of q are read."""
    if len(q) < 2 or not text.has_postings(label, prop):
        return np.flatnonzero(pc.match_substring(names, q).to_numpy(zero_copy_only=False))
    lists = sorted((_holding(text, label, prop, names, q[i : i + 2]) for i in range(len(q) - 1)), key=len)
    candidates = lists[0]
    for rows in lists[1:]:
        candidates = candidates[np.isin(candidates, rows, assume_unique=True)]
    if len(candidates) == 0:
        return candidates
    hit = pc.match_substring(names.take(pa.array(candidates, type=pa.int64())), q).to_numpy(zero_copy_only=False)
    return candidates[hit]


def _fuzzy(text, label: str, prop: str, names: pa.Array, q: str, offset: int, limit: int) -> dict[int, float]:
    """Names sharing character bigrams with q (Dice coefficient), for typos and word order."""
    grams = {q[i : i + 2] for i in range(len(q) - 1)}
    shared = np.zeros(len(names), dtype=np.int32)
    for g in grams:
        shared[_holding(text, label, prop, names, g)] += 1
    candidates = np.flatnonzero(shared >= max(1, len(grams) // 2))
    lengths = pc.utf8_length(names.take(pa.array(candidates, type=pa.int64()))).to_numpy(zero_copy_only=False)
    scores = 2 * shared[candidates] / (len(grams) + np.maximum(lengths - 1, 1))
    order = np.argsort(-scores, kind="stable")[:limit]
    return {int(offset + candidates[i]): float(min(scores[i], 1.0)) for i in order}
