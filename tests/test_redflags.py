"""Cardinal red flags: every fixture of ocdscardinal 0.0.8 reproduced exactly, plus the CLI,
the settings rules and the errors a user sees."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from bidgraph.cli import main
from bidgraph.detectors import red_flag
from bidgraph.detectors.cardinal.common import lower_fence, quantile, round_meta, upper_fence
from bidgraph.detectors.cardinal.engine import flag_releases, read_releases, run_indicators, to_cardinal_json
from bidgraph.detectors.cardinal.settings import parse_settings
from bidgraph.detectors.core.finding import Entity
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.red_flag import findings_from_results
from bidgraph.errors import InputError
from bidgraph.graph.snapshot import Snapshot
from bidgraph.loaders.ocds import read_ocds_bundle

PARAMS = load_settings()["red_flag"]

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "reference" / "cardinal" / "fixtures"
needs_shared = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"Cardinal fixtures not found at {FIXTURES}")
GLOBAL = "no_price_comparison_procurement_methods = NPC\n[exclusions]\nprocurement_method_details = EXC\n"


def fixture_settings(stem: str) -> str:
    """Cardinal's build.rs rule: ``ID[-field-value | -field-k1-v1-k2-v2...]``, ``+`` meaning ``|``."""
    code, *parts = stem.split("-")
    text = GLOBAL + f"[{code}]\n"
    if len(parts) == 2:
        text += f"{parts[0]} = {parts[1].replace('+', '|')}\n"
    elif len(parts) > 2:
        text += f"[{code}.{parts[0]}]\n" + "".join(f"{k} = {v}\n" for k, v in zip(parts[1::2], parts[2::2]))
    return text


def fixture_stems() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.jsonl")) if FIXTURES.is_dir() else []


@needs_shared
def test_all_fixtures_are_found():
    assert len(fixture_stems()) == 15


@needs_shared
@pytest.mark.parametrize("stem", fixture_stems())
def test_fixture_reproduced(stem, tmp_path):
    settings = tmp_path / "settings.ini"
    settings.write_text(fixture_settings(stem))
    expected = json.loads((FIXTURES / f"{stem}.expected").read_text())
    assert run_indicators(FIXTURES / f"{stem}.jsonl", settings, no_meta=True) == expected


def test_fixture_settings_follow_the_name_grammar():
    assert fixture_settings("R038-tenderer").endswith("[R038]\n")
    assert "threshold = 10\n" in fixture_settings("R003-threshold-10")
    assert "procurement_methods = open|selective\n" in fixture_settings("R003-procurement_methods-open+selective")
    assert fixture_settings("R003-procurement_method_details-x-5-y-10").endswith(
        "[R003.procurement_method_details]\nx = 5\ny = 10\n"
    )


@needs_shared
def test_meta_matches_cardinal_documentation(tmp_path):
    settings = tmp_path / "s.ini"
    settings.write_text(GLOBAL + "[R024]\n")
    meta = run_indicators(FIXTURES / "R024.jsonl", settings)["Meta"]
    assert meta == {"R024": {"q1": 66.6667, "q3": 100.0, "lower_fence": 16.6667}}


@needs_shared
def test_flags_record_value_and_fence():
    settings = parse_settings(GLOBAL + "[R003]\nthreshold = 10\n")
    flags = flag_releases(read_releases(FIXTURES / "R003-threshold-10.jsonl"), settings).flags
    assert [(f.id, f.measured, f.fence, f.op) for f in flags] == [("10", 9.0, 10.0, "<")]


@needs_shared
def test_map_links_processes_to_organisations(tmp_path):
    settings = tmp_path / "s.ini"
    settings.write_text(GLOBAL + "[R038]\n[R035]\n")
    maps = run_indicators(FIXTURES / "R038.jsonl", settings, map_=True)["Maps"]
    assert maps["ocid_buyer_r038"] == {"0": "B"} and maps["ocid_procuringentity_r038"] == {"0": "P"}
    assert maps["ocid_tenderer"]["0"] == ["D", "W1"]
    maps = run_indicators(FIXTURES / "R035.jsonl", settings, map_=True)["Maps"]
    assert maps["ocid_tenderer_r035"]["F1"] == ["V"]


def test_no_settings_runs_nothing(tmp_path):
    data = tmp_path / "one.jsonl"
    data.write_text('{"ocid": "a", "tender": {"numberOfTenderers": 1, "procurementMethod": "open"}}\n')
    assert run_indicators(data) == {"Meta": {}}
    settings = tmp_path / "s.ini"
    settings.write_text("[R018]\n")
    assert run_indicators(data, settings, no_meta=True) == {"OCID": {"a": {"R018": 1.0}}}


def test_invalid_lines_are_skipped_with_a_warning(tmp_path, caplog):
    data = tmp_path / "mixed.jsonl"
    data.write_bytes(
        b'{"ocid": "a", "tender": {"numberOfTenderers": 1, "procurementMethod": "open"}}\n'
        b'not json\n\n   \n{"ocid": 1}\n[1]\n\xff\xfe\n{"ocid": "b", "x": NaN}\n'
    )
    settings = tmp_path / "s.ini"
    settings.write_text("[R018]\n")
    assert run_indicators(data, settings, no_meta=True) == {"OCID": {"a": {"R018": 1.0}}}
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 3 and all("invalid JSON, skipped" in m for m in warned)
    assert {m.split(": invalid")[0].rsplit("line ", 1)[1] for m in warned} == {"2", "7", "8"}


def test_statistics_follow_statrs_and_rust():
    ratios = [0.0, 0.0] + [100.0] * 7  # the R024 fixture's ratios
    assert quantile(ratios, 0.25) == pytest.approx(200 / 3) and quantile(ratios, 0.75) == 100.0
    assert quantile([4.0, 1.0, 3.0, 2.0], 0.25) == pytest.approx(1 + 5 / 12)  # type 8, not linear (1.75)
    assert quantile([3.0, 1.0, 2.0], 0.0) == 1.0 and quantile([3.0, 1.0, 2.0], 1.0) == 3.0
    assert quantile([], 0.5) != quantile([], 0.5)  # NaN
    assert lower_fence(1.0, 1.0) == 1.0 and upper_fence(0.0, 2.0) == 5.0
    # One rounding, as Rust's mul_add: the plain expression rounds twice and differs here.
    q1, q3 = 0.495, 0.944
    assert lower_fence(q1, q3) == float(Fraction(q3 - q1) * Fraction(-3, 2) + Fraction(q1)) != (q3 - q1) * -1.5 + q1
    assert round_meta(0.00005) == 0.0001 and round_meta(-0.00005) == -0.0001
    assert round_meta(66.66666666) == 66.6667 and round_meta(float("nan")) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("[R003]\ntreshold = 10\n", "line 2: [R003] has no setting 'treshold'"),
        ("[R999]\n", "line 1: unknown section [R999]"),
        ("currencyy = USD\n", "the top level has no setting 'currencyy'"),
        ("[R003]\nthreshold = ten\n", "line 2: [R003] threshold = 'ten' is not an integer"),
        ("[R035]\nthreshold = -1\n", "is not a non-negative integer"),
        ("[R024]\nthreshold = 0.05\nthreshold = 0.1\n", "line 3: 'threshold' is set twice in [R024]"),
        ("[R003.procurement_method_details]\nx = soon\n", "[R003.procurement_method_details] x = 'soon'"),
        ("just words\n", "not INI (line 1: just words)"),
        ("[R003]\nprocurement_method_details = x\n", "give it as a section [R003.procurement_method_details]"),
    ],
)
def test_bad_settings_name_line_section_and_key(text, message):
    with pytest.raises(InputError) as err:
        parse_settings(text, "my.ini")
    assert str(err.value).startswith("settings file my.ini") and message in str(err.value)


def test_settings_are_case_sensitive_and_typed():
    settings = parse_settings(
        'currency = "USD"\n[R003]\nthreshold = 10\n'
        "[R003.procurement_method_details]\nNegotiated Procedure = 5\n"
        "[output]\ninfo_currency_mismatches = yes\n"
    )
    assert settings.top == {"currency": "USD"}
    assert settings.section("R003") == {"threshold": 10, "procurement_method_details": {"Negotiated Procedure": 5}}
    assert settings.section("output") == {"info_currency_mismatches": True}
    assert settings.section("R024") is None
    with pytest.raises(InputError, match=r"unknown section \[r024\]"):
        parse_settings("[r024]\n")


def test_cli_prints_cardinal_json(tmp_path, capsys):
    data = tmp_path / "r018.jsonl"
    data.write_text(
        '{"ocid": "x", "tender": {"numberOfTenderers": 1, "procurementMethod": "selective"}}\n'
        '{"ocid": "y", "tender": {"numberOfTenderers": 1, "procurementMethod": "limited"}}\n'
    )
    settings = tmp_path / "s.ini"
    settings.write_text(GLOBAL + "[R018]\n")
    assert main(["redflags", str(data), "--settings", str(settings)]) == 0
    assert json.loads(capsys.readouterr().out) == {"OCID": {"x": {"R018": 1.0}}, "Meta": {}}
    assert main(["redflags", str(data), "--settings", str(settings), "--no-meta", "--map"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "Meta" not in out and set(out["Maps"]) >= {"ocid_tenderer", "ocid_buyer_r038"}


@needs_shared
def test_cli_on_a_fixture(tmp_path, capsys):
    settings = tmp_path / "s.ini"
    settings.write_text(fixture_settings("R058"))
    assert main(["redflags", str(FIXTURES / "R058.jsonl"), "--settings", str(settings)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["OCID"] == {"F": {"R058": 100.0}} and out["Meta"]["R058"]["upper_fence"] == 83.3333


def test_cli_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.ini"
    bad.write_text("[R018]\nprocurement_method = open\n")
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    assert main(["redflags", str(data), "--settings", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.ini, line 2: [R018] has no setting 'procurement_method'" in err
    assert main(["redflags", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: cannot be read" in capsys.readouterr().err
    assert main(["redflags", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["redflags", str(data), "--settings", str(tmp_path / "none.ini")]) == 2
    assert "none.ini does not exist" in capsys.readouterr().err


# --- the red_flag detector ------------------------------------------------------------------


@needs_shared
def test_findings_from_fixture_results(tmp_path):
    settings = parse_settings(fixture_settings("R035"))
    run = flag_releases(read_releases(FIXTURES / "R035.jsonl"), settings)
    results = to_cardinal_json(run)
    findings = findings_from_results(results, run.flags)
    assert len(findings) == 5  # F1, F2, repeat, accept (processes) and tenderer V
    f2 = next(f for f in findings if f.entities[0].id == "F2")
    assert f2.detector == "red_flag" and f2.entities[0] == Entity("project", "F2", "flagged")
    assert Entity("company", "V", "winner") in f2.entities
    assert f2.evidence["indicator"] == "R035" and f2.evidence["measured"] == {"value": 2.0, "R035": 2.0}
    assert f2.evidence["thresholds"] == {"fence": 1.0, "op": ">="}
    assert "2 >= 1" in f2.evidence["explanation"]["en"] and "2 >= 1" in f2.evidence["explanation"]["zh"]
    assert set(f2.evidence["rule"]) == {"zh", "en"} and f2.score == 0.8
    winner = next(f for f in findings if f.entities[0].id == "V")
    assert winner.entities[0] == Entity("company", "V", "winner")
    assert {e.id for e in winner.entities[1:]} == {"F1", "F2", "repeat", "accept"}
    # From Cardinal's JSON alone (e.g. the output of ocdscardinal), fences come from Meta.
    ini = tmp_path / "s.ini"
    ini.write_text(fixture_settings("R058"))
    alone = findings_from_results(json.loads(json.dumps(run_indicators(FIXTURES / "R058.jsonl", ini))))
    assert [(f.entities[0].type, f.entities[0].id) for f in alone] == [("project", "F"), ("company", "W")]
    assert alone[0].evidence["thresholds"]["fence"] == 83.3333 and alone[0].evidence["measured"]["value"] == 100.0


def test_no_findings_without_flags():
    assert findings_from_results({"Meta": {"R024": {"q1": None}}}) == []
    assert findings_from_results({"OCID": {}, "Tenderer": {}}) == []


def test_detector_fires_on_an_ocds_snapshot(tmp_path):
    party = {"id": "GOV", "name": "Water Bureau", "roles": ["buyer"]}
    releases = [
        {
            "ocid": f"ocds-t-{i}",
            "buyer": {"id": "GOV"},
            "parties": [party],
            "tender": {
                "title": f"Pipes {i}",
                "procurementMethod": "open",
                "numberOfTenderers": n,
                "tenderPeriod": {"startDate": "2024-01-01T00:00:00Z", "endDate": end},
            },
        }
        for i, (n, end) in enumerate(
            [(1, "2024-01-30T00:00:00Z"), (3, "2024-01-05T00:00:00Z"), (3, "2024-02-01T00:00:00Z")]
        )
    ]
    path = tmp_path / "ocds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in releases))
    snapshot = Snapshot(read_ocds_bundle(path).tables)
    findings = red_flag.detect(snapshot, PARAMS, seed=1)
    assert sorted((f.evidence["indicator"], f.entities[0].id) for f in findings) == [
        ("R003", "ocds-t-1"),
        ("R018", "ocds-t-0"),
    ]
    short = next(f for f in findings if f.evidence["indicator"] == "R003")
    assert short.evidence["measured"]["R003"] == 4.0 and short.evidence["thresholds"]["fence"] == 15.0
    assert red_flag.detect(snapshot, PARAMS, seed=1)[0].to_json() == findings[0].to_json()  # deterministic
    only_r018 = tmp_path / "r018.ini"
    only_r018.write_text("[R018]\n")
    assert [f.evidence["indicator"] for f in red_flag.detect(snapshot, {**PARAMS, "settings": str(only_r018)}, 1)] == [
        "R018"
    ]


def test_detector_is_silent_without_ocds_origin():
    tables = {
        "projects": pd.DataFrame(
            {"project_id": ["P1"], "name": ["x"], "tenderer_id": ["GOV"], "_file": ["projects.csv"], "_row": [2]}
        )
    }
    assert red_flag.detect(Snapshot(tables), PARAMS, 0) == []
    assert red_flag.detect(Snapshot({}), {}, 0) == []


def _r036_process(ocid: str, currency: str, details: str | None = None) -> dict:
    def bid(status: str, amount: float) -> dict:
        return {
            "status": status,
            "tenderers": [{"id": f"{ocid}-{status}"}],
            "value": {"amount": amount, "currency": currency},
        }

    tender = {"procurementMethodDetails": details} if details else {}
    return {
        "ocid": ocid,
        "tender": tender,
        "awards": [{"status": "active"}],
        "bids": {"details": [bid("valid", 10), bid("disqualified", 5)]},
    }


def test_main_currency_is_the_setting_or_the_first_seen():
    releases = [_r036_process("usd", "USD"), _r036_process("eur", "EUR")]
    first_seen = flag_releases(releases, parse_settings("[R036]\n")).results
    assert set(first_seen["OCID"]) == {"usd"}
    configured = flag_releases(releases, parse_settings("currency = EUR\n[R036]\n")).results
    assert set(configured["OCID"]) == {"eur"}


def test_price_comparison_lists():
    releases = [
        _r036_process("auction", "USD", "Auction"),
        _r036_process("lottery", "USD", "Lottery"),
        _r036_process("unknown", "USD"),
    ]
    deny = flag_releases(releases, parse_settings("no_price_comparison_procurement_methods = Lottery\n[R036]\n"))
    assert set(deny.results["OCID"]) == {"auction", "unknown"}
    allow = flag_releases(releases, parse_settings("price_comparison_procurement_methods = Auction|\n[R036]\n"))
    assert set(allow.results["OCID"]) == {"auction"}  # a missing method is excluded by an allow list
    excluded = flag_releases(releases, parse_settings("[exclusions]\nprocurement_method_details = Auction\n[R036]\n"))
    assert set(excluded.results["OCID"]) == {"lottery", "unknown"}
