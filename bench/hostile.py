"""A hostile run against one workspace, as a hurried operator (or a script gone wrong) would do it.

Through the real command line, on the small generated city:

1. ``detect`` while a ``load`` swaps the version, at several offsets in time: each detect either
   stores findings on the version it read or is refused; the live findings never name a node
   the live graph does not have.
2. Four concurrent ``load``s of different bundles: one loads, the others are refused with
   "another load is running"; no crash, no temporary folder left, the live version readable.
3. Truncated and malformed inputs: a ``bids.csv`` cut inside a number, JSON that is not OCDS, a
   header given twice, NUL bytes, times with offsets and a decimal comma, a bundle that would
   lose most of the graph. Each ends in a refusal (the live graph unchanged) or a load that
   quarantines exactly the bad rows.

Usage: ``python bench/hostile.py`` (about a minute). Prints what happened in each case and
exits 1 if anything did not hold.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from worlds import cached_bundle

from bidgraph.errors import NotFound
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.schema import schema

FAILED: list[str] = []


def bidgraph(ws: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "bidgraph.cli", "--workspace", str(ws), *args, "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    """Exit code and the one-line message (the last line of stderr, or of stdout)."""
    out, err = process.communicate(timeout=120)
    lines = [line for line in (err or out).splitlines() if line.strip()]
    return process.returncode, lines[-1] if lines else ""


def check(ok: bool, what: str) -> None:
    print(f"    {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        FAILED.append(what)


def variant(source: Path, folder: Path, drop_bids: int = 0) -> Path:
    """A copy of ``source`` without its last ``drop_bids`` bids (different content, same size)."""
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("truth.json"))
    if drop_bids:
        lines = (folder / "bids.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / "bids.csv").write_text("".join(lines[:-drop_bids]), encoding="utf-8")
    return folder


def dangling(ws: Path) -> int:
    """Entities of the live findings that are not nodes of the live graph."""
    store, labels = EmbeddedStore(ws), schema().entity_labels
    missing = 0
    for finding in store.findings():
        for entity in finding.get("entities", []):
            try:
                store.node(f"{labels[entity['type']]}:{entity['id']}")
            except NotFound:
                missing += 1
    return missing


def detect_during_load(ws: Path, bundles: list[Path]) -> None:
    print("1. detect while a load swaps the version")
    for round_, delay in enumerate((0.0, 0.4, 0.8, 1.2)):
        detect = bidgraph(ws, "detect")
        time.sleep(delay)
        load = bidgraph(ws, "load", str(bundles[(round_ + 1) % 2]))  # never the live one: a real swap
        (d_code, d_line), (l_code, l_line) = finish(detect), finish(load)
        print(f"  load after {delay:.1f} s: load exit {l_code} ({l_line}); detect exit {d_code} ({d_line})")
        check(l_code == 0, "the load went through")
        check(
            d_code == 0 or (d_code == 2 and "the graph changed while the detectors ran" in d_line),
            "detect stored its findings or was refused cleanly",
        )
        check(dangling(ws) == 0, "no live finding names a node missing from the live graph")


def concurrent_loads(ws: Path, bundles: list[Path]) -> None:
    print("2. four concurrent loads into one workspace")
    before = EmbeddedStore(ws).info()["version"]
    results = [finish(p) for p in [bidgraph(ws, "load", str(b)) for b in bundles]]
    for code, line in results:
        print(f"  exit {code}: {line}")
    loaded = [code for code, _ in results if code == 0]
    check(len(loaded) >= 1, "at least one load went through")
    check(
        all(code == 0 or "another load is running (pid" in line for code, line in results),
        "every other load was refused with the lock message",
    )
    check(not any("internal error" in line for _, line in results), "no internal error")
    check(not list((ws / "versions").glob(".tmp-*")), "no temporary version folder left")
    after = EmbeddedStore(ws).info()["version"]
    check(after != before and after == EmbeddedStore(ws).snapshot().version, "the live version is readable")


def refused(ws: Path, path: Path, expected: str, *extra: str) -> None:
    before = EmbeddedStore(ws).info()
    code, line = finish(bidgraph(ws, "load", str(path), *extra))
    print(f"  {path.name}: exit {code}: {line}")
    check(code == 2 and expected in line and "Traceback" not in line, f"refused: {expected}")
    check(EmbeddedStore(ws).info() == before, "the live graph is unchanged")


def quarantined(ws: Path, path: Path, expected: list[str]) -> None:
    code, line = finish(bidgraph(ws, "load", str(path)))
    reasons = (ws / "quarantine" / "quarantine.csv").read_text(encoding="utf-8-sig")
    print(f"  {path.name}: exit {code}: {line}")
    check(code == 0, "loaded")
    for reason in expected:
        check(reason in reasons, f"quarantined: {reason}")


def malformed_inputs(ws: Path, source: Path, tmp: Path) -> None:
    print("3. truncated and malformed inputs")
    cut = variant(source, tmp / "cut")
    text = (cut / "bids.csv").read_text(encoding="utf-8").rstrip("\n")
    (cut / "bids.csv").write_text(text[: text.rfind(",") - 3], encoding="utf-8")
    quarantined(ws, cut, ["may be cut short"])
    (tmp / "foo.json").write_text('{"foo": 1}', encoding="utf-8")
    refused(ws, tmp / "foo.json", "not OCDS")
    twice = variant(source, tmp / "twice")
    text = (twice / "bids.csv").read_text(encoding="utf-8")
    (twice / "bids.csv").write_text(text.replace("bid_id,", "bid_id,bid_id,", 1), encoding="utf-8")
    refused(ws, twice, "the column bid_id appears twice")
    few = variant(source, tmp / "few")
    lines = (few / "bids.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (few / "bids.csv").write_text("".join(lines[:10]), encoding="utf-8")
    refused(ws, few, "so most of it would be lost")
    dirty = variant(source, tmp / "dirty")
    lines = (dirty / "bids.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",", "\x00,", 1)
    (dirty / "bids.csv").write_text("".join(lines), encoding="utf-8")
    quarantined(ws, dirty, ["contains the control character U+0000"])
    (tmp / "not-a-bundle.txt").write_text("hello", encoding="utf-8")
    refused(ws, tmp / "not-a-bundle.txt", "not a bundle")


def main() -> int:
    started = time.perf_counter()
    source = cached_bundle("small", 1)
    with tempfile.TemporaryDirectory(prefix="bidgraph-hostile-") as name:
        tmp = Path(name)
        ws = tmp / "ws"
        bundles = [variant(source, tmp / f"v{k}", drop_bids=k) for k in range(6)]
        code, line = finish(bidgraph(ws, "load", str(bundles[0])))
        check(code == 0, f"first load ({line})")
        detect_during_load(ws, bundles[:2])
        concurrent_loads(ws, bundles[2:])
        malformed_inputs(ws, source, tmp)
    print(f"{len(FAILED)} checks failed; {time.perf_counter() - started:.0f} s")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
