"""A hurried operator's loads: two at once, the wrong file, a file that would empty the graph."""

from __future__ import annotations

import subprocess
import sys

from test_cli_core import write_bundle

from bidgraph.cli import main
from bidgraph.graph.embedded.store import EmbeddedStore


def errors(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("bidgraph:")]


def test_a_second_load_is_refused_while_one_runs_and_the_lock_dies_with_its_holder(tmp_path, tiny_tables, capsys):
    ws, bundle = tmp_path / "ws", write_bundle(tiny_tables, tmp_path / "b")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from bidgraph.graph.embedded.lock import load_lock\n"
            "with load_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(ws),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert main(["load", str(bundle), "--workspace", str(ws), "--quiet"]) == 2
        (line,) = errors(capsys)
        assert f"another load is running (pid {holder.pid})" in line
        assert not (ws / "CURRENT").exists()
    finally:
        holder.kill()  # as kill -9 would: the kernel drops the lock, nothing is left stale
        holder.wait()
    assert main(["load", str(bundle), "--workspace", str(ws), "--quiet"]) == 0


def test_json_that_is_not_ocds_leaves_the_live_graph(tmp_path, tiny_tables, capsys):
    ws = tmp_path / "ws"
    assert main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", str(ws), "--quiet"]) == 0
    before = EmbeddedStore(ws).info()
    (tmp_path / "foo.json").write_text('{"foo": 1}', encoding="utf-8")
    capsys.readouterr()
    assert main(["load", str(tmp_path / "foo.json"), "--workspace", str(ws), "--quiet"]) == 2
    (line,) = errors(capsys)
    assert "not OCDS" in line
    assert EmbeddedStore(ws).info() == before


def test_a_load_losing_most_of_the_graph_needs_replace(tmp_path, tiny_tables, capsys):
    ws = tmp_path / "ws"
    assert main(["load", str(write_bundle(tiny_tables, tmp_path / "full")), "--workspace", str(ws), "--quiet"]) == 0
    before = EmbeddedStore(ws).info()
    fewer = dict(tiny_tables)
    fewer["bids"] = tiny_tables["bids"].iloc[:2]  # 2 of 5 bids: under half
    small = write_bundle(fewer, tmp_path / "small")
    capsys.readouterr()
    assert main(["load", str(small), "--workspace", str(ws), "--quiet"]) == 2
    (line,) = errors(capsys)
    assert "refused: the new graph would have 2 bids where the live one has 5" in line and "--replace" in line
    assert EmbeddedStore(ws).info() == before
    assert main(["load", str(small), "--replace", "--workspace", str(ws), "--quiet"]) == 0
    assert EmbeddedStore(ws).info()["nodes"]["Bid"] == 2
    fewer["bids"] = tiny_tables["bids"].iloc[:1]  # half of the live 2 is still kept
    assert main(["load", str(write_bundle(fewer, tmp_path / "one")), "--workspace", str(ws), "--quiet"]) == 0


def test_check_digits_read_an_arrow_series_of_several_chunks():
    """A province's CSV columns arrive in several Arrow chunks (issue 14: the codes' bytes are
    read from the Arrow buffers, not joined as Python strings)."""
    import pandas as pd
    import pyarrow as pa

    from bidgraph.loaders.values import idcard_ok

    chunks = pa.chunked_array([["11010519491231002X", "x"], ["11010519491231002X", "110105194912310021"]])
    codes = pd.Series(pd.arrays.ArrowStringArray(chunks)).astype("str")
    assert idcard_ok(codes).tolist() == [True, False, True, False]
    assert idcard_ok(codes.iloc[1:]).tolist() == [False, True, False]
