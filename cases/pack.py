"""Evidence packs: one zip per case that an investigator hands on, and that anyone can check.

Contents::

    report.html, report.pdf          the case, findings, explanations, chains, tables, sources
    tables/findings.csv, entities.csv, <table>.csv (bids, scores, ...), tables/tables.xlsx
    graph.graphml                    the subgraph (nodes, edges, properties)
    graph.png                        the graph image, when one is supplied
    views/NN.png                     the case's saved canvases, drawn as the investigator left them
    manifest.json                    case id, time, audit-chain head, SHA-256 of every file
    signature.json                   the office key's signature of manifest.json, and its public key

:func:`build_pack` takes plain data; :func:`export_pack` is the audited, scope-checked way
to make one from the store: it signs the manifest with the office key when the store holds
one, and the audit entry ``pack.export`` records the manifest's SHA-256. :func:`verify_pack`
recomputes everything; a signed pack verifies anywhere with the office's public key, an
unsigned one only against the trail of the workspace that exported it. Text cells of the
CSV and XLSX tables are neutralised against formula injection (``cells.py``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bidgraph.cases import audit, views
from bidgraph.cases.cases import get_case
from bidgraph.cases.cells import neutralise_frame
from bidgraph.cases.db import CasesStore
from bidgraph.cases.report import build_report, render_html, render_pdf
from bidgraph.cases.scope import RegionIndex, Scope
from bidgraph.cases.signing import PublicKey, Signer
from bidgraph.cases.users import User, require
from bidgraph.cases.view_image import render_view
from bidgraph.errors import InputError, NotFound
from bidgraph.graph.export import graphml_bytes, to_networkx
from bidgraph.graph.schema import schema

__all__ = ["build_pack", "export_pack", "verify_pack", "gather_evidence", "PackReport", "PACK_FORMAT"]

PACK_FORMAT = "bidgraph-evidence-pack/1"
SIGNATURE_NAME = "signature.json"
MAX_PACK_NODES = 400  # the subgraph drawn and written out; the tables keep every row
_DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _csv(df: pd.DataFrame) -> bytes:
    return neutralise_frame(df).to_csv(index=False).encode("utf-8-sig")  # BOM: Excel opens Chinese CSV correctly


def _text(evidence: dict, key: str, lang: str) -> str:
    """One language of a bilingual evidence field (``rule``, ``explanation``), or ""."""
    value = evidence.get(key)
    return value.get(lang, "") if isinstance(value, dict) else ""


def _findings_table(findings: list[dict]) -> pd.DataFrame:
    rows = []
    for f in findings:
        ev = f.get("evidence") or {}
        bi = functools.partial(_text, ev)
        fb = f.get("feedback") or []
        rows.append(
            {
                "id": f.get("id"),
                "detector": f.get("detector"),
                "score": f.get("score"),
                "severity": f.get("severity"),
                "summary": f.get("summary"),
                "rule_zh": bi("rule", "zh"),
                "rule_en": bi("rule", "en"),
                "explanation_zh": bi("explanation", "zh"),
                "explanation_en": bi("explanation", "en"),
                "measured": json.dumps(ev.get("measured", {}), ensure_ascii=False, default=str),
                "thresholds": json.dumps(ev.get("thresholds", {}), ensure_ascii=False, default=str),
                "feedback": fb[-1]["verdict"] if fb else "",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "detector",
            "score",
            "severity",
            "summary",
            "rule_zh",
            "rule_en",
            "explanation_zh",
            "explanation_en",
            "measured",
            "thresholds",
            "feedback",
        ],
    )


def _entities_table(findings: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"finding_id": f.get("id"), **e} for f in findings for e in f.get("entities", [])],
        columns=["finding_id", "type", "id", "role"],
    )


def _xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, df in sheets.items():
            neutralise_frame(df).to_excel(writer, sheet_name=name[:31], index=False)
    return buf.getvalue()


def build_pack(
    case: dict,
    findings: list[dict],
    tables: dict[str, pd.DataFrame],
    subgraph: dict,
    out_path: str | Path,
    image_png: bytes | None = None,
    *,
    audit_head: dict | None = None,
    signer: Signer | None = None,
    views: list[dict] | None = None,
) -> Path:
    """Write the evidence pack zip for ``case`` and return its path.

    Parameters
    ----------
    case : the case as ``cases.get_case`` returns it (id, title, status, events, ...).
    findings : findings as in findings.jsonl (optionally with ``feedback``).
    tables : name -> DataFrame (e.g. ``bids``, ``scores``); rows keep ``_file``/``_row``.
    subgraph : ``{"nodes": [{"id": "Label:key", ...}], "edges": [{"source", "target", "type", ...}]}``.
    out_path : the zip to write (replaced atomically).
    image_png : the graph picture, if the caller rendered one.
    audit_head : the audit chain's ``{"seq", "hash"}`` at pack time, recorded in the manifest.
    signer : the office key; signs ``manifest.json`` into ``signature.json``.
    views : the case's saved canvases as drawn (``name``, ``created_by``, ``created_at``, ``png``),
        each kept as ``views/NN.png`` and shown in the report.
    """
    for name in tables:
        if not _TABLE_NAME.match(name) or name in ("findings", "entities"):
            raise InputError(f"table name {name!r} cannot be used in a pack (lowercase letters, digits, _)")
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    sheets = {"findings": _findings_table(findings), "entities": _entities_table(findings), **tables}
    views = views or []
    blocks = build_report(case, findings, tables, subgraph, image_png, audit_head, generated, views)
    files = {"report.html": render_html(blocks).encode("utf-8"), "report.pdf": render_pdf(blocks)}
    files.update({f"views/{i:02d}.png": v["png"] for i, v in enumerate(views, start=1)})
    files.update({f"tables/{name}.csv": _csv(df) for name, df in sheets.items()})
    files["tables/tables.xlsx"] = _xlsx(sheets)
    files["graph.graphml"] = graphml_bytes(to_networkx(subgraph))
    if image_png:
        files["graph.png"] = image_png
    manifest = {
        "format": PACK_FORMAT,
        "case_id": case.get("id"),
        "case_version": case.get("version"),
        "generated_at": generated,
        "audit_head": audit_head,
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    if signer is not None:
        signature = {
            "key": signer.public.fingerprint,
            "public_key": signer.public.pem,
            "signature": signer.sign(files["manifest.json"]),
        }
        files[SIGNATURE_NAME] = json.dumps(signature, indent=1, sort_keys=True).encode("utf-8")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    os.replace(tmp, out)
    return out


def gather_evidence(graph, case: dict) -> tuple[dict[str, pd.DataFrame], dict]:
    """The tables and subgraph of a case, from a query-API store (``bidgraph.graph.api``).

    Tables: ``bids`` and ``scores`` (expert scores) on the lots of the case (its lot
    entities, the lots of its projects, its Lot nodes). Subgraph: the case's nodes, its
    findings' entities and evidence nodes, and the bids and bidders on those lots (at most
    ``MAX_PACK_NODES`` nodes), with every relationship between them.
    """
    snap, entity_labels = graph.snapshot(), schema().entity_labels
    uids = list(case.get("nodes") or [])
    for f in case.get("findings") or []:
        uids += [f"{entity_labels[e['type']]}:{e['id']}" for e in f.get("entities", []) if e["type"] in entity_labels]
        uids += [n for n in (f.get("evidence") or {}).get("nodes", []) if isinstance(n, str)]
    keys = lambda label: {u.partition(":")[2] for u in uids if u.partition(":")[0] == label}
    lots_df = snap["lots"]
    lots = keys("Lot") | set(lots_df.loc[lots_df["project_id"].astype(str).isin(keys("Project")), "lot_id"].astype(str))
    bids = snap["bids"][snap["bids"]["lot_id"].astype(str).isin(lots)]
    scores = snap["expert_scores"][snap["expert_scores"]["lot_id"].astype(str).isin(lots)]
    for r in bids[["bid_id", "org_id"]].astype(str).itertuples(index=False):
        uids += [f"Bid:{r.bid_id}", f"Organization:{r.org_id}"]
    present: list[str] = []
    for uid in dict.fromkeys(uids):
        if len(present) >= MAX_PACK_NODES:
            break
        try:
            graph.node(uid)
        except NotFound:
            continue
        present.append(uid)
    subgraph = graph.subgraph(present) if present else {"nodes": [], "edges": []}
    return {"bids": bids.reset_index(drop=True), "scores": scores.reset_index(drop=True)}, subgraph


def export_pack(
    store: CasesStore,
    actor: User,
    case_id: str,
    tables: dict[str, pd.DataFrame],
    subgraph: dict,
    out_path: str | Path,
    image_png: bytes | None = None,
    index: RegionIndex | None = None,
) -> Path:
    """Check the actor may export the case, cut tables and subgraph to their region, build the
    pack and record ``pack.export`` (case, file, manifest SHA-256) in the audit trail.

    A county user must pass ``index``: without it nothing of theirs could be checked.
    """
    require(actor, "export")
    case = get_case(store, actor, case_id, index=index)
    scope = Scope.of(actor)
    if not scope.is_all:
        if index is None:
            raise InputError("a county user's export needs the loaded graph to check regions")
        tables = {name: scope.filter_table(name, df, index) for name, df in tables.items()}
        subgraph = scope.filter_subgraph(subgraph, index)
    path = build_pack(
        case,
        case["findings"],
        tables,
        subgraph,
        out_path,
        image_png,
        audit_head=audit.head(store),
        signer=store.signer,
        views=_drawn_views(store, actor, case_id),
    )
    with zipfile.ZipFile(path) as zf:
        manifest_sha = _sha256(zf.read("manifest.json"))
    audit.record(
        store,
        actor.name,
        "pack.export",
        {
            "case": case_id,
            "file": Path(path).name,
            "manifest_sha256": manifest_sha,
            "pack_sha256": _sha256(Path(path).read_bytes()),
            "key": store.signer.public.fingerprint if store.signer else None,
        },
    )
    return path


def _drawn_views(store: CasesStore, actor: User, case_id: str) -> list[dict]:
    """The case's saved canvases as ``actor`` may see them (cut to their region), drawn."""
    out = []
    for saved in reversed(views.list_views(store, actor, case_id)):  # oldest first, as they were made
        opened = views.open_view(store, actor, case_id, saved["name"])
        out.append({**saved, "png": render_view(opened["elements"]), "left_out": opened["left_out"]})
    return out


@dataclass
class PackReport:
    """What :func:`verify_pack` found: ``ok`` when ``problems`` is empty."""

    manifest: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    signed_by: str | None = None  # fingerprint of the trusted key whose signature verified

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_pack(path: str | Path, store: CasesStore | None = None, keys: list[PublicKey] | None = None) -> PackReport:
    """Recompute every file's SHA-256 against the manifest and check the manifest's signature
    with the trusted office ``keys`` (default: those recorded in ``store``).

    A signed pack needs nothing else, so it verifies in any workspace. An unsigned pack can
    only be checked against the trail of the workspace that exported it (``store``): the
    trail must have recorded this manifest's export and its audit head must lie on the
    chain. With ``store``, a signed pack whose export the trail recorded must also have the
    zip's exact recorded bytes.
    """
    path, report = Path(path), PackReport()
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        zf = zipfile.ZipFile(path)
    except _DAMAGED:
        report.problems.append(f"{path.name} is not a readable zip file (damaged or altered)")
        return report
    with zf:
        try:
            raw = zf.read("manifest.json")
            report.manifest = json.loads(raw)
            listed = dict(report.manifest["files"])
        except (KeyError, TypeError, *_DAMAGED) as exc:
            report.problems.append(f"manifest.json missing or unreadable ({exc})")
            return report
        names = set(zf.namelist()) - {"manifest.json", SIGNATURE_NAME}
        for name in sorted(names - set(listed)):
            report.problems.append(f"{name}: in the zip but not in the manifest (added)")
        for name, meta in sorted(listed.items()):
            if name not in names:
                report.problems.append(f"{name}: listed in the manifest but missing")
                continue
            try:
                data = zf.read(name)
            except _DAMAGED as exc:  # CRC mismatch or broken deflate stream: bytes changed inside the zip
                report.problems.append(f"{name}: unreadable ({exc})")
                continue
            report.files_checked += 1
            if _sha256(data) != meta.get("sha256"):
                report.problems.append(f"{name}: SHA-256 differs from the manifest (the file was changed)")
        signature = _read_signature(zf, report)
    if signature is not None:
        trusted = keys if keys is not None else audit.recorded_keys(store) if store is not None else []
        _check_signature(signature, raw, trusted, report)
    if store is not None:
        _check_against_trail(store, report, _sha256(raw), _sha256(path.read_bytes()))
    elif signature is None:
        report.problems.append(
            "the pack is not signed and no audit trail was given to check it against / 证据包未签名，无法核验来源"
        )
    return report


def _read_signature(zf: zipfile.ZipFile, report: PackReport) -> dict | None:
    if SIGNATURE_NAME not in zf.namelist():
        return None
    try:
        signature = json.loads(zf.read(SIGNATURE_NAME))
        return {k: str(signature[k]) for k in ("key", "public_key", "signature")}
    except (KeyError, TypeError, *_DAMAGED) as exc:
        report.problems.append(f"{SIGNATURE_NAME} unreadable ({exc})")
        return None


def _check_signature(signature: dict, manifest_bytes: bytes, keys: list[PublicKey], report: PackReport) -> None:
    """The key must be a trusted office key (the one inside the pack proves nothing alone)."""
    key = {k.fingerprint: k for k in keys}.get(signature["key"])
    if key is None:
        report.problems.append(
            f"signed by key {signature['key']}, which is not a trusted office key (pass --public-key, or "
            "record the office's key with `bidgraph key add`) / 签名密钥不受信任"
        )
    elif not key.verifies(manifest_bytes, signature["signature"]):
        report.problems.append(
            "the manifest's signature does not verify (the manifest was rewritten) / 清单签名无效（清单被改写）"
        )
    else:
        report.signed_by = key.fingerprint


def _check_against_trail(store: CasesStore, report: PackReport, manifest_sha: str, pack_sha: str) -> None:
    """The export entry pins the manifest and the zip's exact bytes (timestamps, headers and
    all), so any changed byte shows, even one the zip reader ignores. A signed pack from
    another workspace has no entry here and needs none."""
    conn = store.connection()
    exports = [json.loads(r["detail"]) for r in conn.execute("SELECT detail FROM audit WHERE action = 'pack.export'")]
    same_manifest = [e for e in exports if e.get("manifest_sha256") == manifest_sha]
    if not same_manifest:
        if report.signed_by is None:
            report.problems.append(
                "the audit trail has no export of this manifest, and the pack carries no trusted "
                "signature (the manifest was rewritten, or the pack comes from another workspace)"
            )
        return
    if not any(e.get("pack_sha256") == pack_sha for e in same_manifest):
        report.problems.append(
            "the zip's bytes differ from the exported pack whose SHA-256 the audit trail "
            "recorded (the file was altered after export)"
        )
    head = report.manifest.get("audit_head") or {}
    if head.get("seq"):
        row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (head["seq"],)).fetchone()
        if row is None or row["hash"] != head.get("hash"):
            report.problems.append(f"the manifest's audit head (seq {head['seq']}) is not on this audit chain")
