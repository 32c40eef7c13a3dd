"""The bundle template workbook (docs/导入模板.xlsx, written by scripts/bundle_template) is what the
loader reads: every sheet is a bundle table, every header (a Chinese alias) is recognised as its
column, every column of the table is there, and the empty template reads as empty tables."""

from __future__ import annotations

import runpy
from pathlib import Path

import openpyxl
import pytest

from bidgraph.graph.schema import schema
from bidgraph.loaders.bundle import read_workbook
from bidgraph.loaders.files import read_sheets
from bidgraph.loaders.validate import header_key

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "docs" / "导入模板.xlsx"


def _bundle_tables():
    return {name: t for name, t in schema().tables.items() if t.in_bundle}


def _meaning(table, header: str) -> str | None:
    """The column a header means, as the loader compares headers (first name or alias wins)."""
    for col in table.columns.values():
        for name in (col.name, *col.aliases):
            if header_key(name) == header_key(header):
                return col.name
    return None


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("template") / "导入模板.xlsx"
    runpy.run_path(str(ROOT / "scripts" / "bundle_template"), run_name="bundle_template")["build"](out)
    return out


@pytest.mark.parametrize("which", ["committed", "generated"])
def test_every_sheet_is_a_table_and_every_header_is_recognised(which, generated):
    path = TEMPLATE if which == "committed" else generated
    tables = _bundle_tables()
    sheets = read_sheets(path)
    assert sorted(sheets) == sorted(tables), "one sheet per bundle table, named after it"
    book = openpyxl.load_workbook(path)
    for name, raw in sheets.items():
        table = tables[name]
        headers = [h for h in raw.frame.columns if h != "_row"]
        assert len(raw.frame) == 0, f"{name}: the template holds no rows"
        meant = [_meaning(table, h) for h in headers]
        assert None not in meant, f"{name}: unrecognised header(s) {[h for h, m in zip(headers, meant) if m is None]}"
        assert meant == list(table.columns), f"{name}: headers map to {meant}"
        for cell, column in zip(book[name][1], table.columns.values()):
            assert cell.value == (column.aliases[0] if column.aliases else column.name)
            assert cell.comment is not None and cell.comment.text.splitlines()[0] == f"{name}.{column.name}"
            assert ("必填" in cell.comment.text) == column.required, f"{name}.{column.name}: required mark"
            assert bool(cell.font.color and cell.font.color.rgb.endswith("C00000")) == column.required


def test_the_loader_reads_the_empty_template_as_empty_tables():
    # known={} reads it as an append would: required tables may be empty (a plain load refuses
    # an empty required table, which the template is until filled in)
    increment = read_workbook(TEMPLATE, known={})
    tables = _bundle_tables()
    for name in tables:
        if name in increment.tables:
            frame = increment.tables[name]
            assert len(frame) == 0
            assert set(tables[name].columns) <= set(frame.columns), f"{name}: {list(frame.columns)}"
    assert len(increment.quarantine) == 0 and len(increment.warnings) == 0


def test_a_filled_row_loads_under_the_chinese_headers(tmp_path):
    book = openpyxl.load_workbook(TEMPLATE)
    rows = {
        "organizations": {"org_id": "O1", "name": "甲建设有限公司", "region_code": "350102"},
        "projects": {"project_id": "P1", "name": "道路改造", "tenderer_id": "O1", "category": "construction"},
        "lots": {"lot_id": "L1", "project_id": "P1", "ceiling_price": "1,000,000", "opened_on": "2024年3月5日"},
        "bids": {"bid_id": "B1", "lot_id": "L1", "org_id": "O1", "price": "98万", "is_winner": "是"},
    }
    for name, values in rows.items():
        columns = list(schema().tables[name].columns)
        book[name].append([values.get(c) for c in columns])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    bundle = read_workbook(path)
    assert len(bundle.quarantine) == 0, bundle.quarantine.to_dict("records")
    bids = bundle.tables["bids"]
    assert bids.loc[0, "price"] == 980_000 and bool(bids.loc[0, "is_winner"])
    assert bundle.tables["lots"].loc[0, "ceiling_price"] == 1_000_000
