"""The supervision commands end to end on the two-county world: department, dispatch,
complaint and inspect, authenticated by API tokens, with one-line refusals."""

from __future__ import annotations

import hashlib
import io
import os
import sys

import pytest
from openpyxl import load_workbook
from test_cases_world import WEST, cli_admin, finding, load_world

from bidgraph.cases.cases import today
from bidgraph.cases.db import CasesStore
from bidgraph.cli import main
from bidgraph.graph.api import open_store


@pytest.fixture
def ws(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    load_world(ws)
    open_store(ws).save_findings([finding("F1", "L1", "ORG1", "ORG2"), finding("F2", "L2", "ORG2", "ORG3")])
    cli_admin(ws, monkeypatch)
    return ws


def _run(ws, capsys, *args) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_warning_goes_round_the_loop_at_the_command_line(ws, tmp_path, capsys, monkeypatch):
    run = lambda *a: _run(ws, capsys, *a)  # noqa: E731
    assert run("department", "add", "西区住建局", "--kind", "industry_regulator", "--region", WEST)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("dept-password-1\n"))
    assert run("department", "user", "DEP-001", "west-dept")[0] == 0
    code, out, _ = run("department", "list")
    assert code == 0 and "DEP-001\t西区住建局\t行业主管部门\t330106\twest-dept" in out
    code, out, _ = run(
        "dispatch", "send", "--department", "DEP-001", "--action", "rectify", "--days", "5", "--finding", "F1"
    )
    assert code == 0 and out.startswith("D-000001 sent: F1 to DEP-001")
    code, _, err = run("dispatch", "close", "D-000001", "--reason", "早了")
    assert code != 0 and err.count("\n") == 1 and "it allows reply, escalate, not close" in err
    office = os.environ["BIDGRAPH_TOKEN"]
    code, out, _ = run("user", "token", "west-dept")
    monkeypatch.setenv("BIDGRAPH_TOKEN", out.split()[0])  # now acting as the department
    report = tmp_path / "整改报告.pdf"
    report.write_bytes(b"%PDF-1.4 rectification report")
    code, out, _ = run("dispatch", "reply", "D-000001", "--result", "已整改", "--attachment", str(report))
    assert code == 0 and "1 attachment" in out
    code, out, _ = run("dispatch", "list")
    assert "D-000001\tanswered 已答复" in out
    monkeypatch.setenv("BIDGRAPH_TOKEN", office)
    assert run("dispatch", "check", "D-000001", "--rectified", "--reason", "到位")[0] == 0
    assert run("dispatch", "close", "D-000001", "--reason", "办结")[0] == 0
    xlsx = tmp_path / "perf.xlsx"
    period = today(CasesStore(ws)).strftime("%Y-%m")
    code, out, _ = run("dispatch", "report", "--period", period, "--xlsx", str(xlsx))
    assert code == 0 and "DEP-001\t西区住建局" in out and load_workbook(xlsx).active.cell(2, 4).value == 1
    code, out, _ = run("audit", "verify")
    assert code == 0
    trail = CasesStore(ws).connection().execute("SELECT detail FROM audit WHERE action = 'dispatch.reply'")
    assert hashlib.sha256(report.read_bytes()).hexdigest() in trail.fetchone()[0]


def test_complaints_and_inspections_at_the_command_line(ws, capsys):
    run = lambda *a: _run(ws, capsys, *a)  # noqa: E731
    code, out, _ = run(
        "complaint", "add", "--kind", "challenge", "--lot", "L1", "--received", "2026-02-12", "--grounds", "评分异常"
    )
    assert code == 0 and out.startswith("Q-000001 received (质疑), reply due 2026-02-28")
    code, out, _ = run("complaint", "list")
    assert "Q-000001\tchallenge 质疑\treceived 已受理\tdeadline 2026-02-28" in out
    code, out, _ = run("complaint", "case", "Q-000001", "--finding", "F1")
    assert code == 0 and "is now case C-000001" in out
    code, out, err = run("complaint", "import")  # the loaded world's complaints table is empty
    assert code == 0 and out.startswith("0 taken in") and "Traceback" not in err
    code, out, _ = run("inspect", "draw", "--n", "1", "--officers", "boss", "--officers-n", "1", "--seed", "7")
    assert code == 0 and "I-000001: seed 7, 2 in the pool" in out
    drawn = out.split("抽中: ")[1].split()[0]
    code, out, _ = run("inspect", "record", "I-000001", drawn, "--result", "no_problem", "--note", "资料齐全")
    assert code == 0 and "publish by" in out
    code, out, _ = run("inspect", "list")
    assert "I-000001\tproject\tseed 7" in out and "1/1 results" in out


def test_complaints_the_platform_exported_are_imported_once(ws, tmp_path, capsys):
    """A day's export carrying the complaints table: appended to the graph, then taken into the
    cases store by `complaint import`, each row once."""
    day = tmp_path / "day"
    day.mkdir()
    (day / "complaints.csv").write_text(
        "投诉编号,标段编号,类型,收到日期,事由\nTS-1,L1,complaint,2026-02-12,评标专家打分异常\n", encoding="utf-8"
    )
    assert _run(ws, capsys, "load", str(day), "--append", "--quiet")[0] == 0
    code, out, err = _run(ws, capsys, "complaint", "import")
    assert code == 0 and out.startswith("1 taken in") and "Traceback" not in err
    code, out, _ = _run(ws, capsys, "complaint", "list")
    assert out.count("complaint 投诉") == 1, out
    code, out, _ = _run(ws, capsys, "complaint", "import")
    assert code == 0 and out.startswith("0 taken in, 1 already there")
    code, out, _ = _run(ws, capsys, "complaint", "list")
    assert out.count("complaint 投诉") == 1
