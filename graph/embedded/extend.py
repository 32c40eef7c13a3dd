"""Sorted things of the live version's index, extended by an append's new rows instead of
rebuilt (issue 14, daily append): the new rows are placed among the live ones by a vectorised
binary search, which gives exactly what sorting everything again gives (graph/embedded/reuse.py
says when an append may keep the live version's parts; tests/test_load_append_extend.py
compares each with a whole build).

- a sort order (``pc.sort_indices``: stable, ascending) of values whose first rows are the live ones;
- bigram postings (graph/embedded/textindex.py) of names whose first rows are the live ones;
- the incidence CSR (graph/embedded/persist.py) of relationships renumbered and added to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["bisect", "extended_order", "extended_postings", "extended_csr"]


def bisect(at: Callable[[np.ndarray], pa.Array], n: int, queries: pa.Array, right: bool = False) -> np.ndarray:
    """For each query, how many of the ``n`` ascending values ``at(positions)`` gives are below it
    (``right``: at or below it): ``bisect_left`` (``bisect_right``) of each, all at once."""
    lo = np.zeros(len(queries), dtype=np.int64)
    hi = np.full(len(queries), n, dtype=np.int64)
    below = pc.less_equal if right else pc.less
    while (open_ := lo < hi).any():
        mid = (lo + hi) // 2
        probe = at(np.minimum(mid, n - 1))
        up = below(probe, queries).to_numpy(zero_copy_only=False) & open_
        lo = np.where(up, mid + 1, lo)
        hi = np.where(open_ & ~up, mid, hi)
    return lo


def extended_order(values: pa.Array, live: int, order: np.ndarray | None) -> np.ndarray | None:
    """``pc.sort_indices(values)`` (as int64) when the first ``live`` values are the live ones
    and ``order`` their sort order (None: they were sorted); None if a value is missing (then
    sort whole)."""
    if values.null_count:
        return None
    old = np.arange(live, dtype=np.int64) if order is None else np.asarray(order, dtype=np.int64)
    tail = values.slice(live)
    tail_order = pc.sort_indices(tail).to_numpy().astype(np.int64)
    placed = tail.take(pa.array(tail_order))
    # stable: a new value equal to live ones comes after them, as its row does
    at = bisect(lambda i: values.take(pa.array(old[i])), live, placed, right=True)
    return np.insert(old, at, tail_order + live)


def extended_postings(
    grams: pa.Array, indptr: np.ndarray, rows: np.ndarray, tail: tuple[pa.Array, np.ndarray, np.ndarray], live: int
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The bigram postings of names whose first ``live`` rows have the postings ``grams, indptr,
    rows`` and whose other rows have ``tail`` (numbered from 0): each new row follows the live
    rows of its pairs, a new pair takes its place among the sorted live ones."""
    tail_grams, tail_indptr, tail_rows = tail
    at = bisect(lambda i: grams.take(pa.array(i)), len(grams), tail_grams)
    held = at < len(grams)
    held[held] = pc.equal(grams.take(pa.array(at[held])), tail_grams.filter(pa.array(held))).to_numpy(
        zero_copy_only=False
    )
    counts = np.diff(indptr)
    fresh = np.flatnonzero(~held)
    new_at = at[fresh]
    # a held pair's new rows go after its live rows; a new pair's before the pair it precedes
    into = indptr[at + held]
    tail_counts = np.diff(tail_indptr)
    merged_rows = np.insert(rows, np.repeat(into, tail_counts), (tail_rows.astype(np.int64) + live).astype(rows.dtype))
    # where each tail pair sits among the merged pairs (a live pair moves down by the new ones before it)
    where = np.empty(len(held), dtype=np.int64)
    where[held] = at[held] + np.searchsorted(new_at, at[held], side="right")
    where[fresh] = new_at + np.arange(len(fresh))
    merged_counts = np.insert(counts, new_at, 0)
    merged_counts[where] += tail_counts
    names = pa.concat_arrays([grams, tail_grams.filter(pa.array(~held))])
    placed = np.insert(np.arange(len(grams)), new_at, len(grams) + np.arange(len(fresh)))
    merged_indptr = np.concatenate([[0], np.cumsum(merged_counts)]).astype(np.int64)
    return names.take(pa.array(placed)), merged_indptr, merged_rows


def extended_csr(
    live: tuple[np.ndarray, np.ndarray, np.ndarray],
    vertex_at: np.ndarray,
    edge_at: np.ndarray,
    live_out_degree: np.ndarray,
    added: tuple[np.ndarray, np.ndarray, np.ndarray],
    n: int,
) -> tuple[np.ndarray, Iterator[np.ndarray], Iterator[np.ndarray]]:
    """The incidence CSR (``indptr, inc_edge, inc_other``) of a graph whose live vertices and
    relationships are renumbered (``vertex_at``, ``edge_at``: ascending, none gone) and which
    gains the relationships ``added`` (their numbers, starts and ends, in the new numbering).
    ``inc_edge`` and ``inc_other`` come as consecutive int32 blocks, made as they are asked for
    (to be written out: a province's are 32 million entries each, which whole were 256 MB of fresh
    memory for the kernel to zero, and a gather per insertion point, 1 CPU s).

    A vertex's incidence lists the relationships it starts, then those it ends, each in
    relationship order: an added one is placed by a binary search among its vertex's live ones."""
    indptr, inc_edge, inc_other = live
    number, start, end = added
    # each added relationship once from each end: (vertex, side, relationship, other end)
    vertex = np.concatenate([start, end])
    side = np.concatenate([np.zeros(len(number), np.int64), np.ones(len(number), np.int64)])
    edge = np.concatenate([number, number])
    other = np.concatenate([end, start])
    order = np.lexsort((edge, side, vertex))
    vertex, side, edge, other = vertex[order], side[order], edge[order], other[order]
    # the live vertex at or after each added entry's vertex, and the range of its side's entries
    old = np.searchsorted(vertex_at, vertex)
    is_live = (old < len(vertex_at)) & (vertex_at[np.minimum(old, len(vertex_at) - 1)] == vertex)
    lo = indptr[old].astype(np.int64)
    split = lo + np.where(is_live, live_out_degree[np.minimum(old, len(live_out_degree) - 1)], 0)
    hi = np.where(is_live, indptr[np.minimum(old + 1, len(indptr) - 1)], lo)
    lo, hi = np.where(side == 0, lo, split), np.where(side == 0, split, hi)
    while (open_ := lo < hi).any():  # the live entries of that range before the added relationship
        mid = (lo + hi) // 2
        up = open_ & (edge_at[inc_edge[np.minimum(mid, len(inc_edge) - 1)]] < edge)
        lo = np.where(up, mid + 1, lo)
        hi = np.where(open_ & ~up, mid, hi)
    # the new offsets: each vertex's live and added entries counted, then summed in place
    merged_indptr = np.zeros(n + 1, dtype=np.int64)
    merged_indptr[vertex_at + 1] = np.diff(indptr)
    np.add.at(merged_indptr, vertex + 1, 1)
    np.cumsum(merged_indptr, out=merged_indptr)
    placed = lo + np.arange(len(lo))  # where each added entry lands among the merged ones
    merged_edge = _gathered_and_inserted(edge_at.astype(np.int32, copy=False), inc_edge, placed, edge)
    merged_other = _gathered_and_inserted(vertex_at.astype(np.int32, copy=False), inc_other, placed, other)
    return merged_indptr, merged_edge, merged_other


#: Merged incidence entries made this many at a time (a block comes from, and goes back to, the heap).
BLOCK = 1 << 20


def _gathered_and_inserted(
    mapping: np.ndarray, live: np.ndarray, placed: np.ndarray, added: np.ndarray
) -> Iterator[np.ndarray]:
    """``np.insert(mapping[live], placed - arange, added)`` as int32 (``placed``: where each added
    entry lands, ascending), in consecutive blocks of :data:`BLOCK` entries."""
    total = len(live) + len(added)
    for start in range(0, total, BLOCK):
        stop = min(start + BLOCK, total)
        first, last = np.searchsorted(placed, [start, stop])
        taken = start - first  # the live entries before this block
        block = np.empty(stop - start, dtype=np.int32)
        if first == last:
            np.take(mapping, live[taken : taken + stop - start], out=block)
        else:
            is_live = np.ones(stop - start, dtype=bool)
            is_live[placed[first:last] - start] = False
            block[~is_live] = added[first:last]
            block[is_live] = mapping[live[taken : taken + stop - start - (last - first)]]
        yield block
