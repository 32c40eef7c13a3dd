"""load / info / detect through the CLI entry point, as a user runs them."""

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from bidgraph.cli import main


def write_bundle(tables: dict[str, pd.DataFrame], folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.drop(columns=["_file", "_row"]).to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_load_then_info_json(tmp_path, tiny_tables, capsys):
    bundle = write_bundle(tiny_tables, tmp_path / "bundle")
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "load", str(bundle), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"quarantined rows.*: 0 ->", out)
    assert main(["info", "--json", "--workspace", str(ws)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nodes"]["Organization"] == 5 and info["nodes"]["Bid"] == 5
    assert info["relationships"]["SUBMITTED"] == 5
    assert info["store"] == "embedded"
    assert set(info["quarantine"]) >= {"bids", "organizations"}


def test_load_again_reports_unchanged(tmp_path, tiny_tables, capsys):
    bundle = write_bundle(tiny_tables, tmp_path / "bundle")
    ws = str(tmp_path / "ws")
    main(["load", str(bundle), "--workspace", ws, "--quiet"])
    capsys.readouterr()
    assert main(["load", str(bundle), "--workspace", ws, "--quiet"]) == 0
    assert "unchanged" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["load", "no/such/folder"], "no such bundle folder"),
        (["info"], "has no loaded graph; run `bidgraph load BUNDLE` first"),
        (["detect", "--detectors", "no_such_detector"], "unknown detector"),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path, argv, message, capsys, tiny_tables):
    ws = tmp_path / "ws"
    if argv[0] == "detect":
        main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", str(ws), "--quiet"])
        capsys.readouterr()
    assert main(argv + ["--workspace", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("bidgraph:")]
    assert len(errors) == 1 and message in errors[0]


def test_missing_required_table_names_it(tmp_path, tiny_tables, capsys):
    tables = dict(tiny_tables)
    del tables["lots"]
    bundle = write_bundle(tables, tmp_path / "bundle")
    assert main(["load", str(bundle), "--workspace", str(tmp_path / "ws"), "--quiet"]) == 2
    assert "lots" in capsys.readouterr().err


def test_a_failing_detector_does_not_cost_the_batch(tmp_path, tiny_tables, capsys, monkeypatch):
    from bidgraph.detectors import hidden_link

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(hidden_link, "detect", broken)
    ws = str(tmp_path / "ws")
    main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", ws, "--quiet"])
    capsys.readouterr()
    code = main(["detect", "--workspace", ws, "--quiet", "--detectors", "hidden_link,procedure_gap"])
    captured = capsys.readouterr()
    assert code == 1
    assert "detector hidden_link failed (ValueError: boom)" in captured.err
    assert "Traceback" not in captured.err
    assert "procedure_gap" in captured.out


def test_generated_city_loads_every_row_exactly_once(tmp_path, capsys):
    """load + info --json on a generated city: one node per entity row, one relationship per
    link row, nothing quarantined: no row lost, none duplicated."""
    import csv

    from bidgraph.citygen import generate_city

    bundle = tmp_path / "city"
    generate_city(bundle, scale="small", seed=3)
    ws = str(tmp_path / "ws")
    assert main(["load", str(bundle), "--workspace", ws, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["info", "--json", "--workspace", ws]) == 0
    info = json.loads(capsys.readouterr().out)

    def rows(table):
        with open(bundle / f"{table}.csv", encoding="utf-8") as fh:
            return sum(1 for _ in csv.DictReader(fh))

    for table, label in [
        ("organizations", "Organization"),
        ("persons", "Person"),
        ("projects", "Project"),
        ("lots", "Lot"),
        ("bids", "Bid"),
        ("experts", "Expert"),
        ("contracts", "Contract"),
        ("payments", "Payment"),
    ]:
        assert info["nodes"][label] == rows(table), table
    for table, rel in [
        ("bids", "SUBMITTED"),
        ("expert_scores", "SCORED"),
        ("person_roles", "HOLDS_ROLE"),
        ("site_personnel", "ON_SITE"),
        ("bid_uploads", "UPLOADED_FROM"),
    ]:
        assert info["relationships"][rel] == rows(table), table
    assert not any(info["quarantine"].values())


def test_load_imports_neither_the_detectors_nor_scikit_learn(tmp_path):
    """A command imports its own module only: load and daily start in a second, not in ten."""
    code = (
        "import sys; from bidgraph.cli import main; "
        f"main(['--workspace', {str(tmp_path / 'ws')!r}, 'load', {str(tmp_path / 'none')!r}]); "
        "print(sorted({'sklearn', 'scipy.stats', 'bidgraph.detectors.core.registry'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "no such bundle folder" in out.stderr
