"""The loader's shortcuts for clean columns give what the full checks give, also when a column
is not clean: byte scans, reference look-ups, duplicates, placeholders, dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from bidgraph.graph.schema import Column
from bidgraph.loaders.validate import _control_characters, _duplicates, _isin
from bidgraph.loaders.values import clean_text, holds_any, parse


def text(cells: list) -> pd.Series:
    return clean_text(pd.Series(cells, dtype=object))


@pytest.mark.parametrize("seed", range(20))
def test_holds_any_agrees_with_a_look_up_per_byte(seed):
    rng = np.random.default_rng(seed)
    flagged = rng.random(256) < 0.05
    low, high = sorted(rng.integers(1, 128, 2))
    cells = ["".join(map(chr, rng.integers(low, high + 1, size=int(rng.integers(0, 6))))) for _ in range(8)]
    data = np.frombuffer("".join(cells).encode(), np.uint8)
    chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([cells[:3], cells[3:]], pa.large_string())))
    assert holds_any(chunked, flagged) == bool(flagged[data].any())
    assert holds_any(pd.Series(["临江\x7f", None], dtype="str"), flagged) == bool(
        flagged[[*"临江".encode(), 0x7F]].any()
    )


@pytest.mark.parametrize(
    ("values", "known"),
    [
        (["B1", "B2", "B3"], ["B1", "B2", "B3"]),  # row for row
        (["B1", "B2", "B9"], ["B1", "B2", "B3"]),  # as many, one unknown
        (["B2", None, "B9", "B2"], ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9x"]),  # fewer values
        (["B1", "B1", "B3", "B7", "B8"], ["B3", "B1"]),  # more values
    ],
)
def test_reference_look_up_is_isin(values, known):
    got = _isin(text(values), text(known))
    assert got.tolist() == [v is not None and v in known for v in values]


@pytest.mark.parametrize(
    "keys", [["B1", "B2", "B3"], ["B1", "B1", "B2"], ["B2", "B1", "B3"], ["B3", "B1", "B3"], ["B1", None, "B1"], []]
)
def test_duplicate_keys_ascending_or_not(keys):
    found = _duplicates("bid_id", text(keys), pd.Series(range(2, len(keys) + 2)))
    assert list(found.index) == [i for i, k in enumerate(keys) if k is not None and k in keys[:i]]


def test_duplicate_keys_name_the_first_row_and_unique_keys_none():
    rows = pd.Series([2, 3, 4, 5])
    assert _duplicates("bid_id", text(["B1", "B2", None, "B3"]), rows).empty
    found = _duplicates("bid_id", text(["B1", "B2", "B1", None]), rows)
    assert dict(found) == {2: "duplicate bid_id B1: first at row 2"}


def test_control_characters_found_beside_non_ascii_text():
    found = _control_characters(text(["临江市", "临\x7f江", "tab\there", "a\x00b", "中文"]))
    assert dict(found) == {
        1: "contains the control character U+007F: the file may be damaged",
        3: "contains the control character U+0000: the file may be damaged",
    }
    assert _control_characters(text(["临江市", "ABC-12", None])).empty


def test_placeholders_empty_typed_cells_and_other_cells_are_parsed():
    parsed = parse(text(["—", "--", "/", "／", "12.5", "-3", None]), Column("c", "number"))
    assert [None if pd.isna(v) else v for v in parsed.value] == [None, None, None, None, 12.5, -3.0, None]
    assert parsed.errors.empty


def test_dates_beside_missing_cells_and_other_forms():
    parsed = parse(text(["2024-03-05", None, "2024/3/6", "2024-03-05T09:30:00+00:00", "", "x"]), Column("c", "date"))
    got = [None if pd.isna(v) else str(v) for v in parsed.value]
    assert got == ["2024-03-05 00:00:00", None, "2024-03-06 00:00:00", "2024-03-05 17:30:00", None, None]
    assert list(parsed.errors.index) == [5]


def test_a_whole_number_too_large_to_hold_is_refused_not_a_crash():
    parsed = parse(text(["12", "1" * 20, "9007199254740993", "-3"]), Column("c", "int"))
    assert [None if pd.isna(v) else int(v) for v in parsed.value] == [12, None, None, -3]
    assert dict(parsed.errors) == {1: "not a whole number", 2: "not a whole number"}
