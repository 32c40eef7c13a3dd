"""Integer keys for id tuples: the rows and groups pandas would give on the columns themselves."""

import numpy as np
import pandas as pd

from bidgraph.detectors.stats.codes import first_rows, row_key


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
