"""The bundle loader on small bundles built here: a valid one, then one thing broken per test."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import pandas as pd
import pytest

from bidgraph.errors import InputError
from bidgraph.loaders.bundle import read_bundle, read_workbook, validate_tables, write_quarantine

USCC = ["91350100MA0000001P", "91350100MA0000002T", "91350100MA0000003X", "91350100MA00000041"]
IDS = ["350102198001010011", "35010219800101002X"]

BUNDLE = {
    "organizations": [
        ["org_id", "uscc", "name", "kind", "phone", "founded_on"],
        ["T1", USCC[0], "福州市建设局", "government", "0591-87654321", "2001-01-01"],
        ["A1", USCC[1], "海峡招标代理有限公司", "agency", "", ""],
        ["O1", USCC[2], "闽江建筑工程有限公司", "enterprise", "+86 138 0000 0001", "2010/3/5"],
        ["O2", USCC[3], "榕城路桥有限公司", "enterprise", "", "2012年6月1日"],
        ["O3", "", "鼓楼装饰有限公司", "enterprise", "", ""],
    ],
    "persons": [
        ["person_id", "name", "id_number"],
        ["P1", "张三", IDS[0]],
        ["P2", "李四", IDS[1]],
    ],
    "person_roles": [
        ["person_id", "org_id", "role"],
        ["P1", "O1", "legal_rep"],
        ["P2", "O2", "shareholder"],
    ],
    "projects": [
        ["project_id", "name", "tenderer_id", "agency_id", "budget", "procedure"],
        ["PR1", "道路工程", "T1", "A1", "1,000,000", "open"],
    ],
    "lots": [
        ["lot_id", "project_id", "ceiling_price", "opened_on"],
        ["L1", "PR1", "500000", "2024-03-05"],
        ["L2", "PR1", "400000", "2024-03-06"],
    ],
    "bids": [
        ["bid_id", "lot_id", "org_id", "price", "submitted_at", "rank", "is_winner"],
        ["B1", "L1", "O1", "480000", "2024-03-05T09:30:00", "1", "是"],
        ["B2", "L1", "O2", "490000", "2024-03-05 09:31", "2", "否"],
        ["B3", "L2", "O2", "390000", "2024/3/6 10:00", "1", "Y"],
        ["B4", "L2", "O3", "395000", "", "2", "N"],
    ],
    "bid_uploads": [
        ["bid_id", "ip", "mac"],
        ["B1", "10.0.0.1", "aa-bb-cc-dd-ee-ff"],
        ["B2", "10.0.0.1", "AABB.CCDD.EEFF"],
    ],
}


def tables(**changes) -> dict[str, list[list[str]]]:
    """The valid bundle with some tables replaced (``None`` removes a table)."""
    out = {name: [list(r) for r in rows] for name, rows in BUNDLE.items()}
    for name, rows in changes.items():
        if rows is None:
            out.pop(name)
        else:
            out[name] = rows
    return out


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(buf, index=False)
    return buf.getvalue()


def write_bundle(folder: Path, data: dict | None = None, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (data or tables()).items():
        (folder / f"{name}.csv").write_text(csv_text(rows), encoding=encoding)
    return folder


def issues(frame: pd.DataFrame, table: str) -> list[tuple]:
    part = frame[frame["table"] == table]
    return list(zip(part["file"], part["row"], part["column"], part["reason"]))


def test_valid_bundle_is_taken_whole_with_types_and_provenance(tmp_path):
    b = read_bundle(write_bundle(tmp_path / "b"))
    assert b.quarantine.empty and b.warnings.empty and b.merges.empty
    assert {n: c["taken"] for n, c in b.counts.items()} == {n: len(r) - 1 for n, r in BUNDLE.items()}
    assert all(c["quarantined"] == 0 for c in b.counts.values())
    bids = b.tables["bids"]
    assert str(bids["price"].dtype) == "float64" and str(bids["rank"].dtype) == "Int64"
    assert str(bids["is_winner"].dtype) == "boolean" and str(bids["submitted_at"].dtype) == "datetime64[ns]"
    assert str(bids["bid_id"].dtype) == "str" and bids["is_winner"].tolist() == [True, False, True, False]
    assert bids["submitted_at"].tolist()[:3] == [
        pd.Timestamp("2024-03-05 09:30"),
        pd.Timestamp("2024-03-05 09:31"),
        pd.Timestamp("2024-03-06 10:00"),
    ]
    assert bids["submitted_at"].isna().tolist() == [False, False, False, True]
    assert bids["_file"].tolist() == ["bids.csv"] * 4 and bids["_row"].tolist() == [2, 3, 4, 5]
    orgs = b.tables["organizations"]
    assert orgs["founded_on"].tolist()[2:4] == [pd.Timestamp("2010-03-05"), pd.Timestamp("2012-06-01")]
    assert orgs["phone"].fillna("<missing>").tolist()[:3] == ["059187654321", "<missing>", "13800000001"]
    assert b.tables["projects"]["budget"].tolist() == [1_000_000.0]
    assert b.tables["bid_uploads"]["mac"].tolist() == ["AA:BB:CC:DD:EE:FF"] * 2
    assert "site_personnel" not in b.tables and "experts" not in b.tables
    assert b.source == str(tmp_path / "b")


def test_gbk_file_with_chinese_headers(tmp_path):
    folder = write_bundle(tmp_path / "b")
    orgs = [["单位编号", "统一社会信用代码", "企业名称", "单位类型", "联系电话", "成立日期"]] + BUNDLE["organizations"][
        1:
    ]
    (folder / "organizations.csv").write_bytes(csv_text(orgs).encode("gbk"))
    bids = [["投标编号", "标段编号", "投标人", "投标报价", "递交时间", "排名", "是否中标"]] + BUNDLE["bids"][1:]
    (folder / "bids.csv").write_bytes(csv_text(bids).encode("gb18030"))
    b = read_bundle(folder)
    assert b.quarantine.empty
    assert b.tables["organizations"]["name"].tolist()[0] == "福州市建设局"
    assert b.tables["bids"]["org_id"].tolist() == ["O1", "O2", "O2", "O3"]


def test_utf8_bom_and_header_spelling(tmp_path):
    folder = write_bundle(tmp_path / "b")
    lots = [["Lot ID", "PROJECT_ID", "Ceiling Price", "opened_on", "备注"]] + [r + ["说明"] for r in BUNDLE["lots"][1:]]
    (folder / "lots.csv").write_text(csv_text(lots), encoding="utf-8-sig")
    b = read_bundle(folder)
    lots = b.tables["lots"]
    assert lots["lot_id"].tolist() == ["L1", "L2"]
    assert lots["备注"].tolist() == ["说明", "说明"]  # an unknown column is kept as text


def test_missing_required_table_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no lots table"):
        read_bundle(write_bundle(tmp_path / "b", tables(lots=None)))


def test_missing_required_column_is_an_error(tmp_path):
    bids = [r[:1] + r[2:] for r in BUNDLE["bids"]]  # drop lot_id
    with pytest.raises(InputError, match=r"bids\.csv: table bids has no column lot_id \(or 标段编号\)"):
        read_bundle(write_bundle(tmp_path / "b", tables(bids=bids)))


@pytest.mark.parametrize("content", [b"", b"bid_id,lot_id,org_id\n"])
def test_empty_file_of_required_table_is_an_error(tmp_path, content):
    folder = write_bundle(tmp_path / "b")
    (folder / "bids.csv").write_bytes(content)
    with pytest.raises(InputError, match=r"bids\.csv: the file is empty"):
        read_bundle(folder)


def test_empty_file_of_optional_table_is_an_empty_table(tmp_path):
    folder = write_bundle(tmp_path / "b")
    (folder / "bid_uploads.csv").write_bytes(b"")
    b = read_bundle(folder)
    assert len(b.tables["bid_uploads"]) == 0 and "ip" in b.tables["bid_uploads"].columns
    assert b.counts["bid_uploads"] == {"read": 0, "taken": 0, "quarantined": 0}


def test_duplicate_ids_keep_the_first(tmp_path):
    bids = BUNDLE["bids"] + [["B2", "L2", "O1", "1", "", "", ""]]
    b = read_bundle(write_bundle(tmp_path / "b", tables(bids=bids)))
    assert issues(b.quarantine, "bids") == [("bids.csv", 6, "bid_id", "duplicate bid_id B2: first at row 3")]
    assert b.tables["bids"].set_index("bid_id").loc["B2", "lot_id"] == "L1"
    assert b.counts["bids"] == {"read": 5, "taken": 4, "quarantined": 1}


def test_unknown_references_cascade(tmp_path):
    lots = BUNDLE["lots"] + [["L3", "PR9", "", ""]]
    bids = BUNDLE["bids"] + [["B5", "L3", "O1", "1", "", "", ""], ["B6", "L1", "O9", "1", "", "", ""]]
    uploads = BUNDLE["bid_uploads"] + [["B5", "10.0.0.2", ""]]
    b = read_bundle(write_bundle(tmp_path / "b", tables(lots=lots, bids=bids, bid_uploads=uploads)))
    assert issues(b.quarantine, "lots") == [
        ("lots.csv", 4, "project_id", "unknown project_id PR9: no such project_id in projects")
    ]
    assert issues(b.quarantine, "bids") == [
        ("bids.csv", 6, "lot_id", "lot_id L3 refers to a quarantined row of lots (lots.csv row 4)"),
        ("bids.csv", 7, "org_id", "unknown org_id O9: no such org_id in organizations"),
    ]
    assert issues(b.quarantine, "bid_uploads") == [
        ("bid_uploads.csv", 4, "bid_id", "bid_id B5 refers to a quarantined row of bids (bids.csv row 6)")
    ]
    assert b.counts["bids"] == {"read": 6, "taken": 4, "quarantined": 2}
    assert b.counts["bid_uploads"] == {"read": 3, "taken": 2, "quarantined": 1}


def test_reference_to_a_table_not_supplied(tmp_path):
    scores = [["lot_id", "expert_id", "bid_id", "score"], ["L1", "E1", "B1", "90"]]
    b = read_bundle(write_bundle(tmp_path / "b", tables(expert_scores=scores)))
    assert issues(b.quarantine, "expert_scores") == [
        ("expert_scores.csv", 2, "expert_id", "expert_id refers to experts, but the bundle has no experts table")
    ]


def test_malformed_dates_numbers_and_missing_values(tmp_path):
    bids = BUNDLE["bids"] + [
        ["B5", "L1", "O3", "四十万", "2024-03-05", "", ""],
        ["B6", "L1", "O3", "1", "2024-13-45", "", ""],
        ["B7", "L1", "O3", "1", "", "1.5", "maybe"],
        ["", "L1", "O3", "1", "", "", ""],
    ]
    b = read_bundle(write_bundle(tmp_path / "b", tables(bids=bids)))
    assert issues(b.quarantine, "bids") == [
        ("bids.csv", 6, "price", "not a number"),
        ("bids.csv", 7, "submitted_at", "not a date (expected 2024-03-05, 2024/3/5 or 2024年3月5日)"),
        ("bids.csv", 8, "rank", "not a whole number"),
        ("bids.csv", 8, "is_winner", "not a yes/no value (true/false, 1/0, 是/否, Y/N)"),
        ("bids.csv", 9, "bid_id", "required value is missing"),
    ]
    q = b.quarantine
    assert q.loc[q["column"] == "price", "value"].tolist() == ["四十万"]
    assert b.counts["bids"] == {"read": 8, "taken": 4, "quarantined": 4}


def test_unknown_enum_is_quarantined(tmp_path):
    roles = BUNDLE["person_roles"] + [["P1", "O2", "boss"]]
    b = read_bundle(write_bundle(tmp_path / "b", tables(person_roles=roles)))
    ((file, row, column, reason),) = issues(b.quarantine, "person_roles")
    assert (file, row, column) == ("person_roles.csv", 4, "role") and reason.startswith("not one of: legal_rep")


def test_bad_check_digits_are_warnings_and_rows_are_kept(tmp_path):
    orgs = BUNDLE["organizations"] + [["O4", "91350100MA00000042", "新公司", "", "", ""]]
    persons = BUNDLE["persons"] + [["P3", "王五", "350102198001010012"]]
    b = read_bundle(write_bundle(tmp_path / "b", tables(organizations=orgs, persons=persons)))
    assert b.quarantine.empty
    assert issues(b.warnings, "organizations") == [
        ("organizations.csv", 7, "uscc", "USCC check digit should be 1; value kept")
    ]
    assert issues(b.warnings, "persons") == [
        ("persons.csv", 4, "id_number", "ID number check digit should be 1; value kept")
    ]
    assert b.tables["organizations"]["uscc"].iloc[-1] == "91350100MA00000042"
    assert b.counts["organizations"]["taken"] == 6 and b.counts["persons"]["taken"] == 3


def test_truncated_gzip_keeps_the_whole_rows(tmp_path):
    folder = write_bundle(tmp_path / "b")
    (folder / "bids.csv").unlink()
    body = csv_text(BUNDLE["bids"]).encode()
    whole = gzip.compress(body)
    # Cut the compressed stream where its text stops inside the last row (B4).
    inside_b4 = body.index(b"B4") + 5
    z = max(n for n in range(len(whole)) if len(zlib.decompressobj(wbits=31).decompress(whole[:n])) <= inside_b4)
    (folder / "bids.csv.gz").write_bytes(whole[:z])
    b = read_bundle(folder)
    assert b.tables["bids"]["bid_id"].tolist() == ["B1", "B2", "B3"]
    ((file, row, column, reason),) = issues(b.quarantine, "bids")
    assert (file, row, column) == ("bids.csv.gz", 5, None)
    assert reason == "the gzip file is truncated: this row and any after it are lost"
    assert b.counts["bids"] == {"read": 4, "taken": 3, "quarantined": 1}


def test_csv_cut_inside_a_quoted_field(tmp_path):
    folder = write_bundle(tmp_path / "b")
    text = csv_text(BUNDLE["lots"]).replace("L2,PR1,400000", 'L2,PR1,"400000')
    (folder / "lots.csv").write_text(text[:-3], encoding="utf-8")
    b = read_bundle(folder)
    assert b.tables["lots"]["lot_id"].tolist() == ["L1"]
    assert issues(b.quarantine, "lots") == [
        ("lots.csv", 3, None, "cannot read the row: the file ends inside a quoted field (the file is cut short)")
    ]
    # The bids of the unreadable lot cannot be placed either.
    assert [r[1:3] for r in issues(b.quarantine, "bids")] == [(4, "lot_id"), (5, "lot_id")]
    assert b.counts["lots"] == {"read": 2, "taken": 1, "quarantined": 1}


def test_utf8_file_cut_inside_a_chinese_character_is_still_utf8(tmp_path):
    folder = write_bundle(tmp_path / "b")
    data = csv_text(BUNDLE["persons"]).replace("李四", '"李四').encode("utf-8")
    (folder / "persons.csv").write_bytes(data[: data.index("四".encode()) + 1])
    b = read_bundle(folder)
    assert b.tables["persons"]["name"].tolist() == ["张三"]
    assert issues(b.quarantine, "persons") == [
        ("persons.csv", 3, None, "cannot read the row: the file ends inside a quoted field (the file is cut short)")
    ]


def test_row_with_too_many_fields(tmp_path):
    folder = write_bundle(tmp_path / "b")
    text = csv_text(BUNDLE["persons"]) + "P3,王五,350102198001010038,extra\nP4,赵六,\n"
    (folder / "persons.csv").write_text(text, encoding="utf-8")
    b = read_bundle(folder)
    assert issues(b.quarantine, "persons") == [("persons.csv", 4, None, "the row has 4 fields but the header has 3")]
    assert b.tables["persons"]["person_id"].tolist() == ["P1", "P2", "P4"]
    assert b.tables["persons"]["_row"].tolist() == [2, 3, 5]


def test_blank_lines_are_skipped_and_row_numbers_stay_those_of_the_file(tmp_path):
    folder = write_bundle(tmp_path / "b")
    text = csv_text(BUNDLE["bids"]).replace("B3,", "\n,,,,,,\nB3,")
    (folder / "bids.csv").write_text(text, encoding="utf-8")
    b = read_bundle(folder)
    assert b.quarantine.empty and b.counts["bids"] == {"read": 4, "taken": 4, "quarantined": 0}
    assert b.tables["bids"]["_row"].tolist() == [2, 3, 6, 7]


def test_every_row_longer_than_the_header(tmp_path):
    # pandas alone would silently take the first column as an index here.
    folder = write_bundle(tmp_path / "b")
    (folder / "persons.csv").write_text("person_id,name\nP1,张三,x\nP2,李四,y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"persons.csv: no row can be read \(row 2: the row has 3 fields"):
        read_bundle(folder)
    (folder / "persons.csv").write_text("person_id,name\nP1,张三,x\nP2,李四\n", encoding="utf-8")
    b = read_bundle(folder)
    assert issues(b.quarantine, "persons") == [("persons.csv", 2, None, "the row has 3 fields but the header has 2")]
    assert b.tables["persons"]["person_id"].tolist() == ["P2"]


def test_not_a_bundle(tmp_path):
    with pytest.raises(InputError, match="no such bundle folder"):
        read_bundle(tmp_path / "nowhere")
    (tmp_path / "bids.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a bundle"):
        read_bundle(tmp_path / "bids.txt")


def test_unreadable_files_are_errors_naming_the_file(tmp_path):
    folder = write_bundle(tmp_path / "b")
    (folder / "bids.csv").unlink()
    (folder / "bids.xlsx").write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match=r"bids\.xlsx: not a readable \.xlsx workbook"):
        read_bundle(folder)
    (folder / "bids.xlsx").unlink()
    (folder / "bids.csv.gz").write_bytes(gzip.compress(b"bid_id,lot_id,org_id\nB1,L1,O1\n")[:15])
    with pytest.raises(InputError, match=r"bids\.csv\.gz: the gzip file is truncated; not even the header"):
        read_bundle(folder)
    (folder / "bids.csv.gz").unlink()
    (folder / "bids.parquet").write_bytes(b"PAR1 cut short")
    with pytest.raises(InputError, match=r"bids\.parquet: not a readable Parquet file"):
        read_bundle(folder)
    (folder / "bids.parquet").unlink()
    (folder / "bids.csv").write_text('bid_id,"lot_id,org_id\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bids\.csv: the header row cannot be read"):
        read_bundle(folder)


def test_table_given_twice_is_an_error(tmp_path):
    folder = write_bundle(tmp_path / "b")
    (folder / "bids.parquet").write_bytes(b"")
    with pytest.raises(InputError, match="table bids is given twice"):
        read_bundle(folder)


def test_xlsx_and_parquet_tables(tmp_path):
    folder = write_bundle(tmp_path / "b")
    (folder / "bids.csv").unlink()
    (folder / "organizations.csv").unlink()
    bids = pd.DataFrame(BUNDLE["bids"][1:], columns=BUNDLE["bids"][0])
    bids["price"] = bids["price"].astype(float)
    bids["rank"] = bids["rank"].astype(int)
    bids.to_parquet(folder / "bids.parquet")
    orgs = pd.DataFrame(BUNDLE["organizations"][1:], columns=BUNDLE["organizations"][0])
    orgs["founded_on"] = pd.to_datetime(["2001-01-01", None, "2010-03-05", "2012-06-01", None])
    orgs.to_excel(folder / "organizations.xlsx", index=False)
    b = read_bundle(folder)
    assert b.quarantine.empty
    assert b.tables["bids"]["price"].tolist() == [480000.0, 490000.0, 390000.0, 395000.0]
    assert b.tables["bids"]["_row"].tolist() == [2, 3, 4, 5]
    orgs = b.tables["organizations"]
    assert orgs["_file"].iloc[0] == "organizations.xlsx" and orgs["_row"].tolist() == [2, 3, 4, 5, 6]
    assert orgs["founded_on"].iloc[2] == pd.Timestamp("2010-03-05") and pd.isna(orgs["founded_on"].iloc[1])
    assert orgs["uscc"].tolist()[:4] == USCC


def test_workbook_with_one_sheet_per_table(tmp_path):
    path = tmp_path / "bundle.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name, rows in BUNDLE.items():
            pd.DataFrame(rows[1:], columns=rows[0]).to_excel(writer, sheet_name=name.capitalize(), index=False)
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="说明", index=False)
    b = read_bundle(path)
    assert b.quarantine.empty and b.counts["bids"]["taken"] == 4
    assert b.tables["bids"]["_file"].iloc[0] == "bundle.xlsx[Bids]"
    with pytest.raises(InputError, match="no such workbook"):
        read_workbook(tmp_path / "missing.xlsx")


def test_progress_is_called_per_table(tmp_path):
    seen = []
    read_bundle(write_bundle(tmp_path / "b"), progress=lambda table, rows: seen.append((table, rows)))
    assert sorted(seen) == sorted((n, len(r) - 1) for n, r in BUNDLE.items())


def test_write_quarantine_files_open_in_excel(tmp_path):
    bids = BUNDLE["bids"] + [["B5", "L1", "O3", "四十万", "", "", ""]]
    b = read_bundle(write_bundle(tmp_path / "b", tables(bids=bids)))
    path = write_quarantine(b, tmp_path / "out")
    assert path == tmp_path / "out" / "quarantine.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back[["table", "row", "column", "value"]].values.tolist() == [["bids", 6, "price", "四十万"]]
    assert (tmp_path / "out" / "warnings.csv").exists() and (tmp_path / "out" / "merges.csv").exists()


# --- validate_tables directly (what the OCDS and other readers call) ---------------------------


def frames(**changes) -> dict[str, pd.DataFrame]:
    return {n: pd.DataFrame(r[1:], columns=r[0]) for n, r in tables(**changes).items()}


def test_validate_tables_numbers_rows_and_names_files():
    raw = frames()
    raw["bids"]["_row"] = [10, 11, 12, 13]
    b = validate_tables(raw, {"bids": "ocds.jsonl"}, source="ocds")
    assert b.tables["bids"]["_row"].tolist() == [10, 11, 12, 13]
    assert b.tables["bids"]["_file"].iloc[0] == "ocds.jsonl" and b.tables["lots"]["_file"].iloc[0] == "lots"
    assert b.source == "ocds"
    with pytest.raises(InputError, match="no organizations table"):
        validate_tables(frames(organizations=None), {})


def test_rows_sharing_a_row_number_are_judged_one_by_one():
    # An OCDS release is one line but holds several bids: they share the line number.
    raw = frames(
        bids=[
            ["bid_id", "lot_id", "org_id", "price"],
            ["B1", "L1", "O1", "1"],
            ["B2", "L1", "O1", "x"],
            ["B3", "L2", "O2", "2"],
        ]
    )
    raw["bids"]["_row"] = [7, 7, 7]
    b = validate_tables(raw, {"bids": "releases.jsonl"})
    assert b.tables["bids"]["bid_id"].tolist() == ["B1", "B3"]
    assert issues(b.quarantine, "bids") == [("releases.jsonl", 7, "price", "not a number")]
    assert b.counts["bids"] == {"read": 3, "taken": 2, "quarantined": 1}


def test_every_schema_column_is_present():
    b = validate_tables(frames(), {})
    assert {"score", "is_valid", "evaluation"} <= set(b.tables["bids"].columns) | set(b.tables["lots"].columns)
    assert str(b.tables["bids"]["is_valid"].dtype) == "boolean" and b.tables["bids"]["is_valid"].isna().all()


# --- entity resolution --------------------------------------------------------------------------


def test_organizations_merge_by_uscc_and_name_and_references_follow():
    orgs = BUNDLE["organizations"] + [
        ["O5", USCC[2], "闽江建筑工程公司（旧名）", "", "0591-1234567", ""],  # same USCC as O1
        ["O6", "", "鼓楼装饰有限责任公司", "enterprise", "13900000000", ""],  # same name as O3
        ["O7", "", "鼓楼装饰股份有限公司", "enterprise", "", ""],  # another legal form
    ]
    bids = BUNDLE["bids"] + [["B5", "L1", "O5", "1", "", "", ""], ["B6", "L2", "O6", "1", "", "", ""]]
    roles = BUNDLE["person_roles"] + [["P1", "O6", "director"]]
    b = validate_tables(frames(organizations=orgs, bids=bids, person_roles=roles), {})
    assert b.merges.values.tolist() == [
        ["organizations", "O1", "O5", f"same USCC {USCC[2]} as O1"],
        ["organizations", "O3", "O6", "same normalised name 鼓楼装饰有限公司 as O3"],
    ]
    org = b.tables["organizations"].set_index("org_id")
    assert list(org.index) == ["T1", "A1", "O1", "O2", "O3", "O7"]
    assert org.loc["O1", "merged_ids"] == "O5" and org.loc["O3", "merged_ids"] == "O6"
    assert org.loc["O3", "phone"] == "13900000000"  # filled from the merged row
    assert org.loc["O1", "phone"] == "13800000001"  # its own value wins
    assert pd.isna(org.loc["O2", "merged_ids"])
    assert b.tables["bids"]["org_id"].tolist()[-2:] == ["O1", "O3"]
    assert b.tables["person_roles"]["org_id"].tolist() == ["O1", "O2", "O3"]
    assert b.counts["organizations"] == {"read": 8, "taken": 8, "quarantined": 0, "merged": 2}


def test_same_name_with_two_valid_usccs_is_two_companies():
    orgs = BUNDLE["organizations"] + [["O5", "91350100MA00000054", "闽江建筑工程有限公司", "", "", ""]]
    b = validate_tables(frames(organizations=orgs), {})
    assert b.merges.empty and len(b.tables["organizations"]) == 6


def test_merges_are_transitive():
    orgs = BUNDLE["organizations"] + [
        ["O5", "", "榕城路桥 有限公司", "", "", ""],  # name of O2 (spaces ignored)
        ["O6", USCC[3], "榕城路桥工程有限公司", "", "", ""],  # USCC of O2
        ["O7", "", "榕城路桥工程有限公司", "", "", ""],  # name of O6
    ]
    b = validate_tables(frames(organizations=orgs), {})
    assert b.merges[["kept_id", "merged_id"]].values.tolist() == [["O2", "O5"], ["O2", "O6"], ["O2", "O7"]]
    assert b.merges["reason"].tolist()[2] == "same normalised name 榕城路桥工程有限公司 as O6"
    assert b.tables["organizations"].set_index("org_id").loc["O2", "merged_ids"] == "O5;O6;O7"


def test_persons_merge_by_valid_id_number_only():
    persons = BUNDLE["persons"] + [
        ["P3", "张三", IDS[0]],
        ["P4", "李四", "35010219800101002Y"],
        ["P5", "李四", "35010219800101002Y"],
    ]
    roles = BUNDLE["person_roles"] + [["P3", "O2", "director"]]
    b = validate_tables(frames(persons=persons, person_roles=roles), {})
    assert b.merges.values.tolist() == [["persons", "P1", "P3", f"same ID number {IDS[0]} as P1"]]
    assert b.tables["person_roles"]["person_id"].tolist() == ["P1", "P2", "P1"]
    assert b.counts["persons"]["merged"] == 1


def read_with(tmp_path: Path, file: str, text: str):
    """The valid bundle with ``file`` written as ``text``, read."""
    folder = write_bundle(tmp_path / "b")
    (folder / file).write_text(text, encoding="utf-8")
    return read_bundle(folder)


def test_csv_cut_inside_a_number_quarantines_the_last_row(tmp_path):
    text = csv_text([r[:4] for r in BUNDLE["bids"]]).replace("395000", "3031429.29")
    cut = text[: text.index("3031429.29") + 2]  # B4,L2,O3,30: a whole row to a CSV reader
    b = read_with(tmp_path, "bids.csv", cut)
    assert b.tables["bids"]["bid_id"].tolist() == ["B1", "B2", "B3"]
    assert issues(b.quarantine, "bids") == [
        ("bids.csv", 5, None, "the file does not end with a line break: the last row may be cut short")
    ]
    assert b.quarantine["value"].tolist() == ["B4,L2,O3,30"]
    assert b.counts["bids"] == {"read": 4, "taken": 3, "quarantined": 1}
    # Cut before the last columns, the row is also short: quarantined for that.
    text = csv_text(BUNDLE["bids"]).replace("395000", "3031429.29")
    assert issues(read_with(tmp_path, "bids.csv", text[: text.index("3031429.29") + 2]).quarantine, "bids") == [
        ("bids.csv", 5, None, "the last row has 4 fields but the header has 7: the file may be cut short")
    ]


def test_last_row_with_fewer_fields_is_quarantined_even_after_a_line_break(tmp_path):
    text = csv_text(BUNDLE["persons"]) + "P3,王\n\n"
    b = read_with(tmp_path, "persons.csv", text)
    assert b.tables["persons"]["person_id"].tolist() == ["P1", "P2"]
    assert issues(b.quarantine, "persons") == [
        ("persons.csv", 4, None, "the last row has 2 fields but the header has 3: the file may be cut short")
    ]


def test_a_short_row_before_the_last_is_still_padded(tmp_path):
    text = csv_text(BUNDLE["persons"]) + "P3,王五\nP4,赵六,\n"
    b = read_with(tmp_path, "persons.csv", text)
    assert b.quarantine.empty and b.tables["persons"]["person_id"].tolist() == ["P1", "P2", "P3", "P4"]


def test_a_column_given_twice_stops_the_load(tmp_path):
    with pytest.raises(InputError, match=r"^bids.csv: the column price appears twice in the header; rename"):
        read_with(tmp_path, "bids.csv", "bid_id,lot_id,org_id,price,price\nB1,L1,O1,1,2\n")


def test_control_characters_are_quarantined_with_row_and_column(tmp_path):
    text = csv_text(BUNDLE["bids"]).replace("B2,", "B\x002,").replace("B3,L2,O2,", "B3,L2,O2,3\x079")
    b = read_with(tmp_path, "bids.csv", text)
    assert b.tables["bids"]["bid_id"].tolist() == ["B1", "B4"]
    found = issues(b.quarantine, "bids")
    assert ("bids.csv", 3, "bid_id", "contains the control character U+0000: the file may be damaged") in found
    assert ("bids.csv", 4, "price", "contains the control character U+0007: the file may be damaged") in found
    assert not any("\x00" in i for i in b.tables["bids"]["bid_id"])


def test_an_unknown_header_like_a_known_one_is_warned_not_silently_emptied(tmp_path):
    bids = [["bid_id", "lot_id", "org_id", "投标总价"]] + [r[:4] for r in BUNDLE["bids"][1:]]
    b = read_with(tmp_path, "bids.csv", csv_text(bids))
    assert b.tables["bids"]["price"].isna().all()
    ((file, row, column, reason),) = issues(b.warnings, "bids")
    assert (file, row, column) == ("bids.csv", 1, "投标总价")
    assert reason == (
        "unknown column 投标总价: kept as an extra column, so price stays empty; "
        "the closest known header is 投标报价 (price): rename it if that is what it holds"
    )
    assert issues(read_bundle(write_bundle(tmp_path / "valid")).warnings, "bids") == []
