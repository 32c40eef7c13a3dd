"""Findings files: what json would write of a finding, read back as it was."""

import json
import math

import numpy as np
import orjson

from bidgraph.graph.jsonlines import read_jsonl, write_jsonl


def test_records_read_back_as_json_writes_them(tmp_path):
    records = [
        {"score": np.float64(0.1) * 3, "n": np.int64(7), "flag": np.bool_(True), 2024: "年", "xs": [np.float32(0.5)]},
        {"text": '围标串标 \u2028 "quoted"', "tiny": 1e-7, "nested": {"a": [1, None, {"b": False}]}},
    ]
    path = tmp_path / "findings.jsonl"
    write_jsonl(path, records)
    expected = [json.loads(json.dumps(r, ensure_ascii=False, default=lambda v: v.item())) for r in records]
    assert read_jsonl(path) == expected
    assert path.read_bytes().count(b"\n") == 2 and "围标".encode() in path.read_bytes()


def test_a_nan_is_written_as_null_and_a_missing_file_reads_as_nothing(tmp_path):
    write_jsonl(tmp_path / "f.jsonl", [{"score": math.nan}])
    assert read_jsonl(tmp_path / "f.jsonl") == [{"score": None}]
    assert read_jsonl(tmp_path / "none.jsonl") == []


def test_the_bytes_are_those_orjson_writes_with_every_option_in_any_number_of_records(tmp_path):
    odd = [{2024: "年", "n": np.int64(7)}, {"nested": {1.5: [np.float32(0.5)]}}, {"plain": "围标"}]
    records = odd * 400  # more records than one write takes
    options = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
    write_jsonl(tmp_path / "f.jsonl", records)
    assert (tmp_path / "f.jsonl").read_bytes() == b"".join(orjson.dumps(r, option=options) for r in records)
