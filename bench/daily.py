"""Daily operation, measured: a generated world split into daily exports by lot opening date,
appended one by one, re-detected after each; then compared with loading the world at once.

    .venv/bin/python bench/daily.py [--scale city] [--seed 1] [--days 30] [--work DIR]
    .venv/bin/python bench/daily.py --scale province --days 330 --last 2 --no-compare --world DIR [--nightly]

Each day's export holds that day's lots, their bids, uploads, documents, members, expert
scores, contracts, payments, changes and site personnel, and the projects, experts,
organizations and persons (with their roles) first needed that day. Prints, per day, the bids
appended and the seconds of the append and of the detector batch; at the end, whether the
appended graph and findings equal the single load's (exit 1 if not). The issue's target: a day
of a province (~3,000 bids) appended and re-detected in under 60 s: ``--last K`` loads all but
the last K days as one export (timed, with its batch) and appends only those K, so a province's
day is measured on a province's graph without appending 330 days first. ``--nightly`` appends
each day as the nightly job does, ``bidgraph daily INBOX`` (append, batch, record, report in one
process), and prints its seconds instead of the two commands'.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bidgraph.graph.schema import schema
from bidgraph.loaders.validate import dependency_order

#: Tables whose rows are first needed on a day: their day is the first a row placed refers to them.
NEEDED = ("projects", "experts", "organizations", "persons")


def split(world: Path, out: Path, days: int, last: int = 0) -> list[Path]:
    """Write ``days`` daily export folders of ``world`` (a bundle folder of CSVs) into ``out``;
    with ``last``, the days before the last ``last`` go into one folder, ``base``.

    A lot's day is its opening date's; any other row comes on the last day of the rows it refers
    to (a bid with its lot, a payment with its contract), and a project, expert, organization or
    person on the first day a row refers to it (one nothing refers to: day 1)."""
    tables = {p.name[: -len(".csv")]: pd.read_csv(p, dtype=str, keep_default_na=False) for p in world.glob("*.csv")}
    day = {"lots": _lot_days(tables["lots"], days)}
    deferred = []  # rows that refer only to needed tables (person_roles): dated once those are
    for name in dependency_order():
        if name in tables and name not in day and name not in NEEDED:
            latest = _latest_parent(name, tables, day)
            if latest is None:
                deferred.append(name)
            else:
                day[name] = latest
    for name in NEEDED:
        if name in tables:
            day[name] = _first_needed(name, tables, day, deferred)
    for name in deferred:
        latest = _latest_parent(name, tables, day)
        day[name] = latest if latest is not None else np.zeros(len(tables[name]), dtype=int)
    first = days - last if 0 < last < days else 0
    groups = [("base", range(first))] if first else []
    groups += [(f"day{d + 1:02d}", range(d, d + 1)) for d in range(first, days)]
    folders = []
    for name_of_folder, group in groups:
        folder = out / name_of_folder
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            frame[(day[name] >= group.start) & (day[name] < group.stop)].to_csv(folder / f"{name}.csv", index=False)
        folders.append(folder)
    return folders


def _lot_days(lots: pd.DataFrame, days: int) -> np.ndarray:
    """Day of each lot: the opening dates cut into ``days`` runs of about as many lots."""
    opened = lots["opened_on"].replace("", np.nan).fillna(lots["published_on"]).fillna("")
    dates = np.sort(opened.unique())
    counts = opened.value_counts().reindex(dates).to_numpy()
    cut = np.minimum((np.cumsum(counts) - counts) * days // max(len(lots), 1), days - 1)
    return opened.map(dict(zip(dates, cut))).to_numpy()


def _day_of(tables: dict[str, pd.DataFrame], day: dict[str, np.ndarray], parent: str, ids: pd.Series) -> np.ndarray:
    key = schema().tables[parent].key
    return ids.map(dict(zip(tables[parent][key], day[parent]))).fillna(0).astype(int).to_numpy()


def _latest_parent(name: str, tables: dict[str, pd.DataFrame], day: dict[str, np.ndarray]) -> np.ndarray | None:
    """Per row of ``name``, the last day of the rows it refers to (``None``: none is dated yet)."""
    spec = schema().tables[name]
    found = [
        _day_of(tables, day, col.ref, tables[name][col.name])
        for col in spec.columns.values()
        if col.ref in day and col.name in tables[name]
    ]
    return np.maximum.reduce(found) if found else None


def _first_needed(
    name: str, tables: dict[str, pd.DataFrame], day: dict[str, np.ndarray], deferred: list[str]
) -> np.ndarray:
    """Per row of ``name``, the first day a row already dated (or a deferred row, by its other
    references) refers to it; 0 when none does."""
    key = schema().tables[name].key
    never = np.iinfo(np.int64).max
    first = pd.Series(never, index=tables[name][key])
    for child, spec in schema().tables.items():
        if child not in tables:
            continue
        days = day.get(child) if child not in deferred else _latest_parent(child, tables, day)
        if days is None:
            continue
        for col in spec.columns.values():
            if col.ref == name and col.name in tables[child]:
                refs = pd.Series(days, index=tables[child][col.name]).groupby(level=0).min()
                first = np.minimum(first, refs.reindex(first.index).fillna(never))
    return first.where(first < never, 0).astype(int).to_numpy()


def bidgraph(workspace: Path, *args: str) -> str:
    """Run a command; exit 1 of ``detect`` (a detector failed, the others' findings stored) is
    shown, not fatal: both graphs then go without that detector's findings."""
    command = [sys.executable, "-m", "bidgraph.cli", "--workspace", str(workspace), *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 1 and args[0] == "detect":
        print(done.stderr.strip(), file=sys.stderr)
    elif done.returncode != 0:
        raise SystemExit(f"bidgraph {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def comparable(workspace: Path) -> dict:
    """What must be equal: nodes, relationships, and the findings as :func:`lead` reads them."""
    info = json.loads(bidgraph(workspace, "info", "--json"))
    live = (workspace / "CURRENT").read_text(encoding="utf-8").strip()
    lines = (workspace / "versions" / live / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    return {"nodes": info["nodes"], "relationships": info["relationships"], "findings": sorted(map(lead, lines))}


#: What a finding cites that depends on how the input was cut, not on the lead: the row a value
#: came from and its file (a daily export numbers its own rows).
SOURCE_KEYS = ("row", "file")


#: What a finding says about the runs that saw it, not about the lead: its id (numbered per batch
#: until ids are stable) and when it was seen with which score.
RUN_KEYS = ("id", "first_seen", "last_seen", "scores")


def lead(line: str) -> str:
    """A finding without its id, run history and source rows, its lists in a fixed order (the
    order of evidence follows the order rows were loaded in), as canonical JSON."""

    def canonical(value):
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items() if k not in SOURCE_KEYS}
        if isinstance(value, list):
            return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    finding = {k: v for k, v in json.loads(line).items() if k not in RUN_KEYS}
    return json.dumps(canonical(finding), sort_keys=True, ensure_ascii=False)


def nightly(workspace: Path, folder: Path, inbox: Path) -> float:
    """Seconds of ``bidgraph daily`` on an inbox holding ``folder`` alone (copied in beforehand)."""
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    shutil.copytree(folder, inbox / folder.name)
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "bidgraph.cli", "--workspace", str(workspace), "daily", str(inbox)]
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"bidgraph daily: exit {done.returncode}: {done.stderr.strip()}")
    if done.returncode == 1:
        print(done.stdout.strip(), file=sys.stderr)
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="city")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--work", type=Path, help="keep the world, the days and the workspaces here")
    ap.add_argument("--world", type=Path, help="a generated world to split (default: generate one in --work)")
    ap.add_argument("--last", type=int, default=0, help="load all days but the last LAST at once, append those")
    ap.add_argument("--no-compare", action="store_true", help="skip the single load and the comparison")
    ap.add_argument("--nightly", action="store_true", help="append and detect each day with `bidgraph daily`")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bidgraph-daily-"))
    world = args.world or work / "world"
    if not (world / "bids.csv").exists():
        bidgraph(work / "unused", "generate", str(world), "--scale", args.scale, "--seed", str(args.seed))
    folders = split(world, work / "days", args.days, args.last)
    daily, once = work / "ws-daily", work / "ws-once"
    print("day  bids  append_s  detect_s" + ("  (nightly: bidgraph daily, both)" if args.nightly else ""))
    for folder in folders:
        bids = len(pd.read_csv(folder / "bids.csv", dtype=str))
        if args.nightly and folder.name != "base":
            print(f"{folder.name}  {bids:5d}  {nightly(daily, folder, work / 'inbox'):18.1f}", flush=True)
            continue
        t0 = time.perf_counter()
        bidgraph(daily, "load", str(folder), *(["--append"] if folder.name != "base" else []), "--quiet")
        t1 = time.perf_counter()
        if folder.name != "base" or not args.no_compare:  # the base's batch only matters to the comparison
            bidgraph(daily, "detect", "--quiet")
        t2 = time.perf_counter()
        print(f"{folder.name}  {bids:5d}  {t1 - t0:8.1f}  {t2 - t1:8.1f}", flush=True)
    if args.no_compare:
        return 0
    bidgraph(once, "load", str(world), "--quiet")
    bidgraph(once, "detect", "--quiet")
    same = comparable(daily) == comparable(once)
    print(f"appended day by day equals the single load: {'yes' if same else 'NO'} ({work})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
