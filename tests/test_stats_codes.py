"""Integer keys for id tuples: the rows and groups pandas would give on the columns themselves."""

import numpy as np
import pandas as pd
import pytest

from bidgraph.detectors.stats import codes
from bidgraph.detectors.stats.codes import first_rows, row_key, sorted_string_codes


def test_row_key_sorts_as_the_tuples_and_first_rows_keep_what_drop_duplicates_keeps():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({c: rng.integers(0, n, 500) for c, n in (("lot", 40), ("firm", 7), ("value", 300))})
    key = row_key(*(frame[c].to_numpy() for c in frame.columns))
    first, counts = first_rows(key)

    distinct = frame.drop_duplicates()
    assert first.tolist() == distinct.index.tolist()
    assert counts.tolist() == frame.groupby(list(frame.columns), sort=False).size().tolist()
    ranked = frame.iloc[first].assign(key=key[first]).sort_values("key")
    assert ranked[list(frame.columns)].equals(ranked[list(frame.columns)].sort_values(list(frame.columns)))


@pytest.mark.parametrize("width", [8, 3])  # hashed as 64-bit words, and as 32-bit ones
def test_sorted_string_codes_are_what_pandas_factorize_gives(width):
    rng = np.random.default_rng(5)
    alphabet = np.array(list("ab围标串标\u0000"))
    strings = np.array(["".join(rng.choice(alphabet, rng.integers(0, width + 1))) for _ in range(3000)], f"<U{width}")
    code, distinct = sorted_string_codes(strings)
    expected_code, expected_distinct = pd.factorize(strings, sort=True)
    assert code.tolist() == expected_code.tolist() and distinct.tolist() == expected_distinct.tolist()


def test_sorted_string_codes_fall_back_when_two_values_hash_alike(monkeypatch):
    strings = np.array(["b", "a", "b", "c"], "<U2")
    real = pd.factorize
    # every value hashed to one code: the check against each code's first value must catch it
    monkeypatch.setattr(
        codes.pd,
        "factorize",
        lambda v, sort=False: real(v, sort=sort) if sort else (np.zeros(len(v), dtype=np.intp), v[:1]),
    )
    code, distinct = sorted_string_codes(strings)
    assert code.tolist() == [1, 0, 1, 2] and distinct.tolist() == ["a", "b", "c"]


def test_row_key_ranks_the_tuples_so_far_only_where_the_next_column_would_overflow():
    rng = np.random.default_rng(4)
    columns = [rng.integers(0, 2**40, 400), rng.integers(0, 3, 400), rng.integers(0, 2**30, 400)]
    key = row_key(*columns)
    order = np.lexsort(columns[::-1])
    assert (np.diff(key[order]) >= 0).all()  # sorted as the tuples
    tuples = list(zip(*(c.tolist() for c in columns)))
    assert len(set(key.tolist())) == len(set(tuples))
