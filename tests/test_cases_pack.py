"""Evidence packs: contents, readable Chinese PDF, tamper detection, region-scoped export, CLI."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw
from test_cases_world import (  # noqa: F401 (fixtures)
    cli_admin,
    clock,
    finding,
    index,
    load_world,
    office_signer,
    people,
    store,
    world_tables,
)

from bidgraph.cases import audit, cases
from bidgraph.cases.db import CasesStore
from bidgraph.cases.keyring import record_key
from bidgraph.cases.pack import build_pack, export_pack, verify_pack
from bidgraph.cli import main
from bidgraph.errors import InputError, NotFound

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WEST_RING = finding("F1", "L1", "ORG1", "ORG2")


def _subgraph() -> dict:
    node = lambda uid, name, file, row: {
        "id": uid,
        "label": uid.split(":")[0],
        "caption": name,
        "properties": {"name": name},
        "source": {"file": file, "row": row},
    }
    edge = lambda a, b, t, row: {
        "source": a,
        "target": b,
        "type": t,
        "properties": {},
        "provenance": {"table": "bids", "file": "bids.csv", "row": row},
    }
    return {
        "nodes": [
            node("Organization:ORG1", "杭州甲建设有限公司", "organizations.csv", 2),
            node("Organization:ORG3", "杭州丙建设有限公司", "organizations.csv", 4),
            node("Bid:B1", "B1", "bids.csv", 2),
            node("Bid:B4", "B4", "bids.csv", 5),
            node("Lot:L1", "L1", "lots.csv", 2),
        ],
        "edges": [
            edge("Organization:ORG1", "Bid:B1", "SUBMITTED", 2),
            edge("Bid:B1", "Lot:L1", "FOR_LOT", 2),
            edge("Organization:ORG3", "Bid:B4", "SUBMITTED", 5),
        ],
    }


def _png() -> bytes:
    img = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(img)
    draw.ellipse((20, 60, 100, 140), outline="red", width=4)
    draw.line((100, 100, 220, 100), fill="black", width=3)
    draw.rectangle((220, 60, 300, 140), outline="blue", width=4)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _tables() -> dict[str, pd.DataFrame]:
    w = world_tables()
    return {"bids": w["bids"], "scores": w["expert_scores"]}


@pytest.fixture
def office(store, people):
    """The office key: held by the store (packs are signed), its public key recorded."""
    store.signer = office_signer()
    record_key(store, people["admin"], store.signer.public)
    return store.signer


@pytest.fixture
def exported(store, people, index, tmp_path, office):
    case = cases.create_case(store, people["city"], "西区道路工程围标串标", [WEST_RING], kind="challenge", index=index)
    cases.transition(store, people["city"], case["id"], "reviewing", "调取开标记录和上传日志")
    path = export_pack(store, people["city"], case["id"], _tables(), _subgraph(), tmp_path / "pack.zip", _png(), index)
    return case["id"], path


def _rezip(src: Path, dst: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            zout.writestr(name, change.get(name, zin.read(name)))
    return dst


def test_a_pack_holds_report_tables_graph_and_manifest(exported):
    case_id, path = exported
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        html = unescape(zf.read("report.html").decode("utf-8"))
        bids = pd.read_csv(io.BytesIO(zf.read("tables/bids.csv")), encoding="utf-8-sig")
        xlsx = pd.read_excel(io.BytesIO(zf.read("tables/tables.xlsx")), sheet_name=None)
        graphml = zf.read("graph.graphml").decode("utf-8")
    assert {
        "report.html",
        "report.pdf",
        "tables/findings.csv",
        "tables/entities.csv",
        "tables/bids.csv",
        "tables/scores.csv",
        "tables/tables.xlsx",
        "graph.graphml",
        "graph.png",
        "manifest.json",
        "signature.json",
    } == names
    assert set(manifest["files"]) == names - {"manifest.json", "signature.json"} and manifest["case_id"] == case_id
    assert manifest["audit_head"]["seq"] >= 2
    assert "西区道路工程围标串标" in html and "调取开标记录和上传日志" in html  # case and its history
    assert "同一标段的投标人共用上传设备" in html  # the finding's rule
    # chains as sentences, codes named, every table row with its source
    assert "杭州甲建设有限公司与ORG2在1个标段同场投标，其中杭州甲建设有限公司中标1个，ORG2中标0个。" in html
    assert "-[SUBMITTED]->" not in html and "bids.csv:2" in html and "投标报价 price" in html
    assert "质疑（7个工作日） challenge (7 working days)" in html and "审查中 reviewing" in html
    assert list(bids["_row"]) == [2, 3, 4, 5] and set(xlsx) == {"findings", "entities", "bids", "scores"}
    assert "杭州甲建设有限公司" in graphml and "source_file" in graphml


def test_a_signed_pack_verifies_anywhere_with_the_public_key_alone(exported, office, tmp_path, people):
    _, path = exported
    report = verify_pack(path, keys=[office.public])  # no workspace at all
    assert report.ok and report.signed_by == office.public.fingerprint
    elsewhere = CasesStore(tmp_path / "other-ws")
    record_key(elsewhere, people["admin"], office.public)  # the receiving office recorded the key
    assert verify_pack(path, elsewhere).ok  # not CHANGED: its trail never saw this export
    stranger = office_signer().public
    assert "not a trusted office key" in " ".join(verify_pack(path, keys=[stranger]).problems)


def test_an_unsigned_pack_is_trusted_only_by_its_own_trail(store, people, index, tmp_path):
    case = cases.create_case(store, people["city"], "未签名", [WEST_RING], index=index)
    path = export_pack(store, people["city"], case["id"], _tables(), _subgraph(), tmp_path / "u.zip", None, index)
    assert verify_pack(path, store).ok
    assert "not signed" in " ".join(verify_pack(path).problems)


def test_the_pdf_is_readable_chinese(exported, tmp_path):
    _, path = exported
    with zipfile.ZipFile(path) as zf:
        (tmp_path / "report.pdf").write_bytes(zf.read("report.pdf"))
    text = subprocess.run(
        ["pdftotext", "-l", "1", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "证据包" in text and "西区道路工程围标串标" in text
    fonts = subprocess.run(["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True).stdout
    cjk = [line.split() for line in fonts.splitlines() if "+" in line.split(" ")[0]]
    assert cjk and cjk[0][-5:-2] == ["yes", "yes", "yes"]  # CJK subset embedded, with Unicode map
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "report.pdf"),
            str(ARTIFACTS / "cases_pack_page1"),
        ],
        check=True,
    )
    page = Image.open(ARTIFACTS / "cases_pack_page1.png").convert("L")
    dark = sum(page.histogram()[:128])
    assert dark > 0.01 * page.width * page.height  # text, not a blank page


def test_changing_any_byte_of_a_pack_is_detected(exported, store, tmp_path):
    _, path = exported
    data = path.read_bytes()
    assert verify_pack(path, store).ok
    for offset in range(0, len(data), max(1, len(data) // 40)):
        bad = bytearray(data)
        bad[offset] ^= 0x01
        copy = tmp_path / "bad.zip"
        copy.write_bytes(bytes(bad))
        assert not verify_pack(copy, store).ok, f"byte {offset} changed unnoticed"


def test_changed_files_are_named_even_without_the_workspace(exported, office, tmp_path):
    _, path = exported
    with zipfile.ZipFile(path) as zf:
        csv = zf.read("tables/bids.csv").replace(b"100.0", b"99.0")
    report = verify_pack(_rezip(path, tmp_path / "edited.zip", {"tables/bids.csv": csv}), keys=[office.public])
    assert report.problems == ["tables/bids.csv: SHA-256 differs from the manifest (the file was changed)"]
    assert "not a readable zip" in verify_pack(_write(tmp_path / "junk.zip", b"PK\x03\x04 junk")).problems[0]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_rewritten_manifest_fails_its_signature_even_with_a_forged_export_entry(exported, office, store, tmp_path):
    _, path = exported
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        signature = json.loads(zf.read("signature.json"))
        csv = zf.read("tables/bids.csv").replace(b"100.0", b"99.0")
    manifest["files"]["tables/bids.csv"]["sha256"] = hashlib.sha256(csv).hexdigest()
    raw = json.dumps(manifest).encode()
    forged = _rezip(path, tmp_path / "forged.zip", {"tables/bids.csv": csv, "manifest.json": raw})
    audit.record(  # the forger also writes the export entry the trail check looks for
        store,
        "city",
        "pack.export",
        {
            "manifest_sha256": hashlib.sha256(raw).hexdigest(),
            "pack_sha256": hashlib.sha256(forged.read_bytes()).hexdigest(),
        },
    )
    for report in (verify_pack(forged, store), verify_pack(forged, keys=[office.public])):
        assert any("signature does not verify" in p for p in report.problems)
    mallory = office_signer()  # re-signed with a key of the forger's own
    signature.update(key=mallory.public.fingerprint, public_key=mallory.public.pem, signature=mallory.sign(raw))
    resigned = _rezip(forged, tmp_path / "resigned.zip", {"signature.json": json.dumps(signature).encode()})
    assert any("not a trusted office key" in p for p in verify_pack(resigned, store).problems)


def test_pack_tables_cannot_run_formulas(exported):
    _, path = exported
    tables = {"bids": pd.DataFrame({"bid_id": ['=HYPERLINK("http://x")', "@SUM(A1)", "+1", "-2", "ok"]})}
    out = build_pack({"id": "C-9"}, [], tables, {"nodes": [], "edges": []}, path.with_name("f.zip"))
    with zipfile.ZipFile(out) as zf:
        csv = pd.read_csv(io.BytesIO(zf.read("tables/bids.csv")), encoding="utf-8-sig")
        xlsx = pd.read_excel(io.BytesIO(zf.read("tables/tables.xlsx")), sheet_name="bids")
    expected = ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "'+1", "'-2", "ok"]
    assert list(csv["bid_id"]) == expected and list(xlsx["bid_id"]) == expected


def test_a_county_export_holds_only_its_region(store, people, index, tmp_path):
    cross = cases.create_case(
        store, people["city"], "跨区围标", [WEST_RING, finding("F2", "L2", "ORG2", "ORG3")], index=index
    )
    path = export_pack(store, people["west"], cross["id"], _tables(), _subgraph(), tmp_path / "west.zip", None, index)
    with zipfile.ZipFile(path) as zf:
        bids = pd.read_csv(io.BytesIO(zf.read("tables/bids.csv")))
        scores = pd.read_csv(io.BytesIO(zf.read("tables/scores.csv")))
        graphml = zf.read("graph.graphml").decode("utf-8")
        findings = pd.read_csv(io.BytesIO(zf.read("tables/findings.csv")))
    assert list(findings["id"]) == ["F1"]  # the east finding stays out
    assert set(bids["lot_id"]) == {"L1"} and set(scores["lot_id"]) == {"L1"}
    assert "ORG1" in graphml and "ORG3" not in graphml and "B4" not in graphml
    west_only = cases.create_case(store, people["city"], "西区", [WEST_RING], index=index)
    with pytest.raises(NotFound):
        export_pack(store, people["east"], west_only["id"], _tables(), _subgraph(), tmp_path / "e.zip", None, index)
    with pytest.raises(InputError, match="loaded graph"):
        export_pack(store, people["west"], west_only["id"], _tables(), _subgraph(), tmp_path / "w.zip")
    assert not (tmp_path / "e.zip").exists() and not (tmp_path / "w.zip").exists()


def test_build_pack_refuses_odd_table_names(tmp_path):
    with pytest.raises(InputError, match="table name"):
        build_pack({"id": "C-1"}, [], {"../evil": pd.DataFrame()}, {"nodes": [], "edges": []}, tmp_path / "x.zip")


def test_cli_packs_a_case_from_the_loaded_graph_and_verifies_it(tmp_path, capsys, monkeypatch):
    ws = tmp_path / "ws"
    load_world(ws)
    cli_admin(ws, monkeypatch)
    (tmp_path / "f.jsonl").write_text(json.dumps(WEST_RING, ensure_ascii=False) + "\n", encoding="utf-8")
    run = lambda *a: main(["--workspace", str(ws), *a])
    assert (
        run(
            "case",
            "create",
            "--title",
            "西区围标",
            "--finding",
            "F1",
            "--findings",
            str(tmp_path / "f.jsonl"),
            "--kind",
            "complaint",
        )
        == 0
    )
    assert run("case", "list") == 0
    assert "C-000001\tnew\tcomplaint" in capsys.readouterr().out
    out = tmp_path / "C-000001.zip"
    assert run("pack", "C-000001", "--out", str(out)) == 0
    with zipfile.ZipFile(out) as zf:
        bids = pd.read_csv(io.BytesIO(zf.read("tables/bids.csv")))
        html = unescape(zf.read("report.html").decode("utf-8"))
    assert sorted(bids["bid_id"]) == ["B1", "B2"]  # the bids on the case's lot
    assert re.search(r"杭州甲建设有限公司与\w+在1个标段同场投标，其中杭州甲建设有限公司中标1个", html)
    capsys.readouterr()
    assert run("pack", "verify", str(out)) == 0
    assert "pack OK" in capsys.readouterr().out
    shutil.copy(out, tmp_path / "copy.zip")
    with open(tmp_path / "copy.zip", "r+b") as fh:
        fh.seek(200)
        byte = fh.read(1)
        fh.seek(200)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert run("pack", "verify", str(tmp_path / "copy.zip")) == 1
    assert "pack CHANGED" in capsys.readouterr().out
    assert main(["--workspace", str(tmp_path / "empty"), "pack", "C-000001"]) == 2
    assert "API token is unknown" in capsys.readouterr().err  # an account of one workspace only


def test_cli_signs_packs_with_the_office_key_and_another_office_verifies_them(tmp_path, capsys, monkeypatch):
    ws, keys = tmp_path / "ws", tmp_path / "keys"
    load_world(ws)
    cli_admin(ws, monkeypatch)
    run = lambda *a: main(["--workspace", str(ws), *a])
    assert run("key", "init", "--out", str(ws / "office.key")) == 2  # never inside the workspace
    assert "outside the workspace" in capsys.readouterr().err and not (ws / "office.key").exists()
    assert run("key", "init", "--out", str(keys / "office.key")) == 0
    fingerprint = capsys.readouterr().out.split("公钥指纹: ")[1].split()[0]
    assert (keys / "office.key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("BIDGRAPH_OFFICE_KEY", str(keys / "office.key"))
    (tmp_path / "f.jsonl").write_text(json.dumps(WEST_RING, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("case", "create", "--title", "西区", "--finding", "F1", "--findings", str(tmp_path / "f.jsonl")) == 0
    assert run("pack", "C-000001", "--out", str(tmp_path / "p.zip")) == 0
    assert f"signed by office key {fingerprint}" in capsys.readouterr().out
    other = ["--workspace", str(tmp_path / "other")]
    assert main([*other, "pack", "verify", str(tmp_path / "p.zip"), "--public-key", str(keys / "office.key.pub")]) == 0
    assert f"pack OK: {tmp_path / 'p.zip'} (8 files, signed by office key {fingerprint}" in capsys.readouterr().out
    assert main([*other, "pack", "verify", str(tmp_path / "p.zip")]) == 1  # no trusted key there
    assert "not a trusted office key" in capsys.readouterr().out


def test_a_pack_carries_the_saved_canvases_as_pictures(store, people, index, tmp_path):
    from bidgraph.cases import views

    case = cases.create_case(store, people["city"], "西区围标", [WEST_RING], index=index)
    elements = [
        {
            "data": {"id": "Organization:ORG1", "label": "杭州甲建设有限公司", "type": "Organization"},
            "position": {"x": 0, "y": 0},
        },
        {"data": {"id": "Lot:L1", "label": "L1", "type": "Lot"}, "position": {"x": 300, "y": 0}},
        {
            "data": {"id": "Organization:ORG3", "label": "杭州丙", "type": "Organization"},
            "position": {"x": 300, "y": 300},
        },
        {"data": {"id": "e1", "source": "Organization:ORG1", "target": "Lot:L1", "type": "WON"}, "classes": "won"},
    ]
    views.save_view(store, people["city"], case["id"], "中标关系", elements, index=index)
    path = export_pack(store, people["city"], case["id"], _tables(), _subgraph(), tmp_path / "p.zip", None, index)
    with zipfile.ZipFile(path) as zf:
        picture = Image.open(io.BytesIO(zf.read("views/01.png"))).convert("RGB")
        html = unescape(zf.read("report.html").decode("utf-8"))
        listed = json.loads(zf.read("manifest.json"))["files"]
    assert "views/01.png" in listed  # covered by the manifest and its signature
    assert "画布视图 Canvas view 1: 中标关系" in html and "views/01.png" in html
    r, g, b = np.asarray(picture).transpose(2, 0, 1).astype(int)
    reds = int(((r > 180) & (g < 40) & (b < 40)).sum())
    assert reds > 200  # the win drawn as a red line
    # a 300 x 300 canvas scaled into 1600 x 1000 with 140 px margins, centred: ORG1 (0, 0) at (440, 140)
    assert picture.getpixel((440, 140)) != (255, 255, 255) and picture.getpixel((1600 - 440, 1000 - 140)) != (
        255,
        255,
        255,
    )
    # a county user's pack draws only their region's part of the canvas, and says so
    west = export_pack(store, people["west"], case["id"], _tables(), _subgraph(), tmp_path / "w.zip", None, index)
    with zipfile.ZipFile(west) as zf:
        html = unescape(zf.read("report.html").decode("utf-8"))
    assert "1 nodes of other regions left out" in html
