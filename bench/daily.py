"""Daily operation, measured: a generated world split into daily exports by lot opening date,
appended one by one, re-detected after each; then compared with loading the world at once.

    .venv/bin/python bench/daily.py [--scale city] [--seed 1] [--days 30] [--work DIR]

Each day's export holds that day's lots, their bids, uploads, documents, members, expert
scores, contracts, payments, changes and site personnel, and the projects, experts,
organizations and persons (with their roles) first needed that day. Prints, per day, the bids
appended and the seconds of the append and of the detector batch; at the end, whether the
appended graph and findings equal the single load's (exit 1 if not). The issue's target: a day
of a province (~3,000 bids) appended and re-detected in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bidgraph.graph.schema import schema

#: Tables whose rows happen on a day (a lot's), each with the column naming the row it belongs to.
EVENTS = {
    "bids": ("lot_id", "lots"),
    "bid_uploads": ("bid_id", "bids"),
    "bid_documents": ("bid_id", "bids"),
    "bid_members": ("bid_id", "bids"),
    "expert_scores": ("lot_id", "lots"),
    "contracts": ("lot_id", "lots"),
    "payments": ("contract_id", "contracts"),
    "contract_changes": ("contract_id", "contracts"),
    "site_personnel": ("lot_id", "lots"),
}
#: Tables whose rows are first needed on a day, in the order their days can be told.
NEEDED = ("projects", "experts", "organizations", "persons")


def split(world: Path, out: Path, days: int) -> list[Path]:
    """Write ``days`` daily export folders of ``world`` (a bundle folder of CSVs) into ``out``."""
    tables = {p.name[: -len(".csv")]: pd.read_csv(p, dtype=str, keep_default_na=False) for p in world.glob("*.csv")}
    day = {"lots": _lot_days(tables["lots"], days)}
    for name, (column, parent) in EVENTS.items():
        if name in tables:
            day[name] = tables[name][column].map(_by_key(tables[parent], parent, day[parent])).to_numpy()
    for name in NEEDED:
        if name in tables:
            day[name] = _first_needed(name, tables, day)
    if "person_roles" in tables:
        roles = tables["person_roles"]
        person = roles["person_id"].map(_by_key(tables["persons"], "persons", day["persons"]))
        org = roles["org_id"].map(_by_key(tables["organizations"], "organizations", day["organizations"]))
        day["person_roles"] = np.maximum(person.to_numpy(), org.to_numpy())
    folders = []
    for d in range(days):
        folder = out / f"day{d + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            frame[day[name] == d].to_csv(folder / f"{name}.csv", index=False)
        folders.append(folder)
    return folders


def _lot_days(lots: pd.DataFrame, days: int) -> np.ndarray:
    """Day of each lot: the opening dates cut into ``days`` runs of about as many lots."""
    opened = lots["opened_on"].replace("", np.nan).fillna(lots["published_on"]).fillna("")
    dates = np.sort(opened.unique())
    counts = opened.value_counts().reindex(dates).to_numpy()
    cut = np.minimum((np.cumsum(counts) - counts) * days // max(len(lots), 1), days - 1)
    return opened.map(dict(zip(dates, cut))).to_numpy()


def _by_key(frame: pd.DataFrame, name: str, days: np.ndarray) -> dict:
    key = schema().tables[name].key
    return dict(zip(frame[key], days))


def _first_needed(name: str, tables: dict[str, pd.DataFrame], day: dict[str, np.ndarray]) -> np.ndarray:
    """The first day any row already placed refers to each row of ``name`` (unreferenced: day 0)."""
    key = schema().tables[name].key
    first = pd.Series(np.iinfo(np.int64).max, index=tables[name][key])
    for child, spec in schema().tables.items():
        if child not in day or child not in tables:
            continue
        for col in spec.columns.values():
            if col.ref == name and col.name in tables[child]:
                refs = pd.Series(day[child], index=tables[child][col.name]).groupby(level=0).min()
                first = np.minimum(first, refs.reindex(first.index).fillna(first.max()))
    if name == "persons" and "person_roles" in tables:  # a person with a role comes with the firm
        roles = tables["person_roles"]
        org = roles["org_id"].map(_by_key(tables["organizations"], "organizations", day["organizations"]))
        refs = pd.Series(org.to_numpy(), index=roles["person_id"]).groupby(level=0).min()
        first = np.minimum(first, refs.reindex(first.index).fillna(first.max()))
    return first.where(first < np.iinfo(np.int64).max, 0).astype(int).to_numpy()


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
    lines = (workspace / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    return {"nodes": info["nodes"], "relationships": info["relationships"], "findings": sorted(map(lead, lines))}


#: What a finding cites that depends on how the input was cut, not on the lead: the row a value
#: came from and its file (a daily export numbers its own rows).
SOURCE_KEYS = ("row", "file")


def lead(line: str) -> str:
    """A finding without its sequential id and source rows, its lists in a fixed order (the
    order of evidence follows the order rows were loaded in), as canonical JSON."""

    def canonical(value):
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items() if k not in SOURCE_KEYS}
        if isinstance(value, list):
            return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    finding = json.loads(line)
    finding.pop("id", None)
    return json.dumps(canonical(finding), sort_keys=True, ensure_ascii=False)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="city")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--work", type=Path, help="keep the world, the days and the workspaces here")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bidgraph-daily-"))
    world = work / "world"
    if not (world / "bids.csv").exists():
        bidgraph(work / "unused", "generate", str(world), "--scale", args.scale, "--seed", str(args.seed))
    folders = split(world, work / "days", args.days)
    daily, once = work / "ws-daily", work / "ws-once"
    print("day  bids  append_s  detect_s")
    for folder in folders:
        bids = len(pd.read_csv(folder / "bids.csv", dtype=str))
        t0 = time.perf_counter()
        bidgraph(daily, "load", str(folder), "--append", "--quiet")
        t1 = time.perf_counter()
        bidgraph(daily, "detect", "--quiet", "--out", str(daily / "findings.jsonl"))
        t2 = time.perf_counter()
        print(f"{folder.name}  {bids:5d}  {t1 - t0:8.1f}  {t2 - t1:8.1f}", flush=True)
    bidgraph(once, "load", str(world), "--quiet")
    bidgraph(once, "detect", "--quiet", "--out", str(once / "findings.jsonl"))
    same = comparable(daily) == comparable(once)
    print(f"appended day by day equals the single load: {'yes' if same else 'NO'} ({work})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
