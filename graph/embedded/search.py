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
            found = np.flatnonzero(pc.is_in(values, value_set=pa.array(variants)).to_numpy(zero_copy_only=False))
            for p in found:
                hits.setdefault(int(index.offsets[field.label] + p), 3.0)
    for field in schema().search_fields_matching("name", "fuzzy_name"):
        label = field.label
        names = index.text_column(label, field.property)
        if names is None or len(hits) >= limit * 4:
            continue
        contains = np.flatnonzero(pc.match_substring(names, q).to_numpy(zero_copy_only=False))[: limit * 4]
        lengths = pc.utf8_length(names.take(pa.array(contains, type=pa.int64()))).to_numpy(zero_copy_only=False)
        for p, n in zip(contains, lengths):
            # shorter names that contain the text are better matches
            hits.setdefault(int(index.offsets[label] + p), 2.0 + len(q) / max(n, 1))
        if len(q) >= 2 and len(contains) == 0 and field.match == "fuzzy_name":
            hits.update(_fuzzy(names, q, index.offsets[label], limit))
    ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    nodes = index.nodes([v for v, _ in ranked])
    return [{**node, "match": round(score, 3)} for node, (_, score) in zip(nodes, ranked)]


def _fuzzy(names: pa.Array, q: str, offset: int, limit: int) -> dict[int, float]:
    """Names sharing character bigrams with q (Dice coefficient), for typos and word order."""
    grams = {q[i : i + 2] for i in range(len(q) - 1)}
    shared = np.zeros(len(names), dtype=np.int32)
    for g in grams:
        shared += pc.match_substring(names, g).to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(shared >= max(1, len(grams) // 2))
    lengths = pc.utf8_length(names.take(pa.array(candidates, type=pa.int64()))).to_numpy(zero_copy_only=False)
    scores = 2 * shared[candidates] / (len(grams) + np.maximum(lengths - 1, 1))
    order = np.argsort(-scores, kind="stable")[:limit]
    return {int(offset + candidates[i]): float(min(scores[i], 1.0)) for i in order}
