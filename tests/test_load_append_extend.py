"""An append extends the live index's sorted parts (graph/embedded/extend.py): each must equal
what building it whole from the same values gives, ties, new values and empty tails included."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bidgraph.graph.embedded import extend
from bidgraph.graph.embedded.extend import bisect, extended_csr, extended_order, extended_postings
from bidgraph.graph.embedded.persist import _write_csr
from bidgraph.graph.embedded.textindex import _bigram_postings

WORDS = ["", "a", "ab", "abc", "b", "ba", "张三", "张三丰", "李四", "é", "zz", "王五王五"]


def _texts(rng, n: int) -> pa.Array:
    return pa.array(
        [WORDS[i] + str(j) * (j % 3) for i, j in zip(rng.integers(0, len(WORDS), n), rng.integers(0, 4, n))],
        pa.large_string(),
    )


def test_bisect_finds_left_and_right_positions():
    values = pa.array(["a", "b", "b", "d"], pa.large_string())
    queries = pa.array(["", "b", "c", "z"], pa.large_string())
    take = lambda i: values.take(pa.array(i))  # noqa: E731
    assert bisect(take, 4, queries).tolist() == [0, 1, 3, 4]
    assert bisect(take, 4, queries, right=True).tolist() == [0, 3, 3, 4]
    assert bisect(take, 0, queries).tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("live", [0, 1, 40, 200])
def test_an_extended_order_is_the_whole_sort(seed, live):
    rng = np.random.default_rng(seed)
    values = _texts(rng, 200 + seed * 7)
    head = values.slice(0, live)
    order = pc.sort_indices(head).to_numpy()
    is_sorted = bool((order == np.arange(live)).all())
    got = extended_order(values, live, None if is_sorted else order)
    assert got.tolist() == pc.sort_indices(values).to_numpy().tolist()


def test_an_order_with_a_missing_value_is_sorted_whole():
    assert extended_order(pa.array(["b", None, "a"], pa.large_string()), 1, None) is None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("live", [0, 1, 150, 300])
def test_extended_postings_are_the_whole_postings(seed, live):
    rng = np.random.default_rng(seed)
    values = _texts(rng, 300)
    whole = _bigram_postings(values)
    got = extended_postings(*_bigram_postings(values.slice(0, live)), _bigram_postings(values.slice(live)), live)
    assert got[0].equals(whole[0])
    assert got[1].dtype == whole[1].dtype and got[1].tolist() == whole[1].tolist()
    assert got[2].dtype == whole[2].dtype and got[2].tolist() == whole[2].tolist()


def _csr(tmp_path, src, dst, n):
    _write_csr(tmp_path, src.astype(np.int32), dst.astype(np.int32), n)
    return tuple(np.load(tmp_path / f"{name}.npy") for name in ("indptr", "inc_edge", "inc_other"))


@pytest.mark.parametrize("block", [1, 7, extend.BLOCK])
@pytest.mark.parametrize("seed", range(8))
def test_an_extended_csr_is_the_whole_csr(tmp_path, monkeypatch, seed, block):
    """Live vertices and relationships renumbered (new ones between them), relationships added,
    self-loops and vertices with no relationship included; the merged incidence made in blocks of
    one entry, of a few (boundaries among the added entries) and of many."""
    monkeypatch.setattr(extend, "BLOCK", block)
    rng = np.random.default_rng(seed)
    n, m = 60, 150
    new_vertex = np.sort(rng.choice(n, size=45, replace=False))
    new_edge = np.sort(rng.choice(m, size=110, replace=False))
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    live_src = np.searchsorted(new_vertex, src[new_edge])
    live_dst = np.searchsorted(new_vertex, dst[new_edge])
    keep = (new_vertex[np.minimum(live_src, 44)] == src[new_edge]) & (
        new_vertex[np.minimum(live_dst, 44)] == dst[new_edge]
    )
    edge_at = new_edge[keep]  # live relationships: between live vertices only
    live_src, live_dst = live_src[keep], live_dst[keep]
    (tmp_path / "live").mkdir()
    live = _csr(tmp_path / "live", live_src, live_dst, 45)
    added = np.setdiff1d(np.arange(m), edge_at)
    indptr, *incidence = extended_csr(
        live, new_vertex, edge_at, np.bincount(live_src, minlength=45), (added, src[added], dst[added]), n
    )
    got = (indptr, *(np.concatenate(list(blocks)) for blocks in incidence))
    (tmp_path / "whole").mkdir()
    whole = _csr(tmp_path / "whole", src, dst, n)
    for a, b in zip(got, whole):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()


@pytest.mark.parametrize("seed", range(4))
def test_few_values_looked_up_among_many_as_index_in_finds_them(seed):
    """``first_rows_of`` hashes the few values and probes the many: the same first positions as
    ``pc.index_in``, for repeated and missing values too."""
    from bidgraph.graph.embedded.reuse import first_rows_of

    rng = np.random.default_rng(seed)
    pool = [None, "a", "b", "张三", "zz", "none"]
    among = pa.array([pool[i] for i in rng.integers(0, 5, 60)], pa.large_string())
    values = pa.array([pool[i] for i in rng.integers(0, 6, 20)], pa.large_string())
    expected = pc.fill_null(pc.index_in(values, value_set=among), -1).to_numpy(zero_copy_only=False)
    assert first_rows_of(values, among).tolist() == expected.tolist()
