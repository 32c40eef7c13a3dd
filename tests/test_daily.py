"""bidgraph daily INBOX_DIR (issue 14, scheduling): what arrived is appended, moved to done/ or
failed/ with a reason, the batch runs, a report is written, and the exit code tells a scheduler
what happened; two runs never overlap."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bidgraph.cli import main
from bidgraph.graph import collector
from bidgraph.graph.embedded.lock import load_lock
from bidgraph.graph.embedded.store import EmbeddedStore

BENCH = Path(__file__).resolve().parents[1] / "bench" / "daily.py"


@pytest.fixture(scope="module")
def days(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("daily")
    assert main(["--workspace", str(root / "unused"), "generate", str(root / "world"), "--seed", "7"]) == 0
    spec = importlib.util.spec_from_file_location("bench_daily", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.split(root / "world", root / "days", 2)


def inbox_with(tmp_path: Path, *folders: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for folder in folders:
        shutil.copytree(folder, inbox / folder.name)
    return inbox


#: The environment a scheduler runs the command in: standard output buffered, as it is to a pipe.
BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def command_line(ws: Path, *args: str) -> list[str]:
    """``bidgraph --workspace WS ARGS...`` as the installed command runs it (``bidgraph.cli.run``)."""
    return [sys.executable, "-m", "bidgraph.cli", "--workspace", str(ws), *args]


def report(ws: Path) -> dict:
    [path] = sorted((ws / "reports").glob("daily-*.json"))
    assert path.with_suffix(".txt").exists()
    return json.loads(path.read_text(encoding="utf-8"))


def test_daily_appends_detects_and_reports(days, tmp_path, capsys):
    ws, inbox = tmp_path / "ws", inbox_with(tmp_path, *days)
    bad = inbox / "day03"
    bad.mkdir()
    (bad / "bids.csv").write_text("x\n1\n", encoding="utf-8")
    assert main(["--workspace", str(ws), "daily", str(inbox)]) == 1  # partly failed
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["day01", "day02"]
    assert (inbox / "failed" / "day03").is_dir()
    assert "no column bid_id" in (inbox / "failed" / "day03.reason.txt").read_text(encoding="utf-8")
    got = report(ws)
    assert [item["export"] for item in got["loaded"]] == ["day01", "day02"]
    assert got["failed"][0]["export"] == "day03" and got["exit_code"] == 1
    store = EmbeddedStore(ws)
    assert got["findings"] == len(store.findings()) > 0
    # recorded as detect records it: the batch, and its findings with their history
    assert got["batch"] == store.last_batch()["id"] == "B-000001"
    assert got["changes"] == {"new": got["findings"], "changed": 0, "gone": 0}
    assert all(f["first_seen"] == f["last_seen"] for f in store.findings())
    assert sum(row["findings"] for row in got["detectors"]) == got["findings"]
    out = capsys.readouterr().out
    assert "failed / 失败 day03" in out
    assert f"batch / 批次 B-000001, since the batch before / 与上一批次相比: new / 新增 {got['findings']}," in out


def test_the_command_line_ends_without_freeing_and_loses_nothing(days, tmp_path):
    """Run as the command (bidgraph.cli.run ends the process by os._exit once output is flushed):
    the same exit code, output, report, findings and batch record as the call in-process."""
    ws, inbox = tmp_path / "ws", inbox_with(tmp_path, *days)
    bad = inbox / "day03"
    bad.mkdir()
    (bad / "bids.csv").write_text("x\n1\n", encoding="utf-8")
    done = subprocess.run(
        command_line(ws, "daily", str(inbox)), capture_output=True, text=True, timeout=600, env=BUFFERED
    )
    assert done.returncode == 1, done.stderr  # partly failed, as in-process
    got = report(ws)
    assert done.stdout.rstrip().endswith(f"report / 报告: {sorted((ws / 'reports').glob('daily-*.json'))[0]}")
    store = EmbeddedStore(ws)
    assert got["findings"] == len(store.findings()) > 0 and got["batch"] == store.last_batch()["id"]
    assert (ws / "batches" / f"{got['batch']}.ledger.jsonl").read_text(encoding="utf-8").count("\n") == got["findings"]
    assert collector._kept is None  # in-process (this test's own main calls), nothing is kept


def test_a_reader_that_stops_reading_is_no_internal_error(days, tmp_path):
    """`bidgraph detect | head`: the reader goes before the output comes; the batch is stored
    and the command ends with exit 1 and no traceback or internal error."""
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "load", str(days[0]), "--quiet"]) == 0
    command = command_line(ws, "detect", "--quiet")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=BUFFERED)
    process.stdout.close()
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 1, stderr
    assert b"Traceback" not in stderr and b"internal error" not in stderr, stderr
    assert EmbeddedStore(ws).last_batch()["id"] == "B-000001"


def test_nothing_arrived_is_ok_and_a_held_lock_refuses(days, tmp_path):
    ws, inbox = tmp_path / "ws", inbox_with(tmp_path, days[0])
    assert main(["--workspace", str(ws), "daily", str(inbox)]) == 0
    version = EmbeddedStore(ws).info()["version"]
    assert main(["--workspace", str(ws), "daily", str(inbox)]) == 0
    assert EmbeddedStore(ws).info()["version"] == version
    second = max((ws / "reports").glob("daily-*.json"))
    assert json.loads(second.read_text(encoding="utf-8"))["changes"] == {"new": 0, "changed": 0, "gone": 0}
    assert EmbeddedStore(ws).last_batch()["id"] == "B-000002"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with load_lock(ws):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    shutil.copytree(days[1], inbox / days[1].name)
    try:
        assert main(["--workspace", str(ws), "daily", str(inbox)]) == 2
    finally:
        release.set()
        holder.join()
    assert (inbox / days[1].name).is_dir()  # left for the next run
    assert main(["--workspace", str(ws), "daily", str(tmp_path / "no-inbox")]) == 2
