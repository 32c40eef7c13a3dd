"""name_keys: one key per name however it was typed."""

import pandas as pd

from bidgraph.detectors.stats.names import name_keys


def test_names_are_stripped_and_case_folded_and_missing_stays_missing():
    names = pd.Series([" Zhang San", "zhang san ", None, "LI Si", " Zhang San"], dtype="str", index=[5, 6, 7, 8, 9])
    keys = name_keys(names)
    assert keys.index.tolist() == [5, 6, 7, 8, 9]
    assert keys.tolist()[:2] == ["zhang san", "zhang san"] and pd.isna(keys[7])
    assert keys.tolist()[3:] == ["li si", "zhang san"]
