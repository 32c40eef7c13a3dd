"""The evidence pack's report, as HTML and as PDF with embedded Chinese fonts.

One document model (a list of blocks) is built from the case, its findings, the tables and
the subgraph, and rendered twice: :func:`render_html` and :func:`render_pdf` (reportlab with
a TrueType CJK font: ``$BIDGRAPH_CJK_FONT`` or the first of ``FONT_CANDIDATES`` present;
Debian ``fonts-wqy-zenhei`` provides the default). Every fact in a table carries its source
file and row (``_file``/``_row``) in a "source 来源" column.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bidgraph.errors import InputError

__all__ = [
    "Block",
    "build_report",
    "render_html",
    "render_pdf",
    "relationship_chains",
    "source_of",
    "element_attributes",
    "find_cjk_font",
    "FONT_CANDIDATES",
    "MAX_REPORT_ROWS",
]

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
MAX_REPORT_ROWS = 300  # rows per table in the report; the CSV/XLSX files hold all of them
MAX_REPORT_COLUMNS = 8  # columns per table in the report (plus the source column)
SOURCE = "source 来源"


@dataclass
class Block:
    """One piece of the report: kind is h1, h2, h3, p, table (``rows`` under ``header``) or
    image (``data`` = PNG bytes)."""

    kind: str
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    data: bytes = b""


def _s(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _bi(value) -> str:
    """A bilingual {"zh", "en"} dict as one line (or the value itself)."""
    if isinstance(value, dict) and ("zh" in value or "en" in value):
        return " / ".join(v for v in (value.get("zh"), value.get("en")) if v)
    return _s(value)


def source_of(record: dict) -> str:
    """``file:row`` a record came from: ``_file``/``_row`` columns of a table row, or the
    ``source`` (node) / ``provenance`` (edge) dict of the query API; empty if unknown."""
    prov = record.get("provenance") or record.get("source")
    f, r = (prov.get("file"), prov.get("row")) if isinstance(prov, dict) else (record.get("_file"), record.get("_row"))
    if not _s(f):
        return ""
    return f"{Path(_s(f)).name}:{int(r) if isinstance(r, float) and r == r else _s(r)}"


def element_attributes(element: dict) -> dict:
    """A node or edge of the query API as flat attributes: its properties, then label or
    type, caption, and ``source_file``/``source_row`` (for GraphML and the report)."""
    out = dict(element.get("properties") or {})
    out.update({k: v for k, v in element.items() if k in ("label", "caption", "type", "name")})
    where = source_of(element)
    if where:
        out["source_file"], _, out["source_row"] = where.rpartition(":")
    return out


def _node_name(node_id: str, nodes: dict[str, dict]) -> str:
    node = nodes.get(node_id, {})
    name = _s(node.get("caption") or (node.get("properties") or {}).get("name") or node.get("name"))
    return f"{node_id} ({name})" if name and not node_id.endswith(f":{name}") else node_id


def relationship_chains(findings: list[dict], subgraph: dict) -> list[str]:
    """Every edge of the subgraph, and every path in the findings' evidence, written out as
    ``A (name) -[TYPE]-> B (name)`` with the edge's source file and row."""
    nodes = {n["id"]: n for n in subgraph.get("nodes", [])}
    lines = []
    for e in subgraph.get("edges", []):
        where = source_of(e)
        lines.append(
            f"{_node_name(e['source'], nodes)} -[{e.get('type', '')}]-> {_node_name(e['target'], nodes)}"
            + (f"   ({SOURCE}: {where})" if where else "")
        )
    for f in findings:
        for path in (f.get("evidence") or {}).get("paths", []) or []:
            if isinstance(path, list) and path:
                steps = [_node_name(p, nodes) if isinstance(p, str) else _s(p) for p in path]
                lines.append(f"{f.get('id')}: " + " → ".join(steps))
    return lines


def _table_block(df: pd.DataFrame) -> Block:
    cols = [c for c in df.columns if c not in ("_file", "_row")][:MAX_REPORT_COLUMNS]
    rows = [
        [_s(r.get(c)) for c in cols] + [source_of({"_file": r.get("_file"), "_row": r.get("_row")})]
        for r in df.head(MAX_REPORT_ROWS).to_dict("records")
    ]
    return Block("table", header=cols + [SOURCE], rows=rows)


def build_report(
    case: dict,
    findings: list[dict],
    tables: dict[str, pd.DataFrame],
    subgraph: dict,
    image_png: bytes | None = None,
    audit_head: dict | None = None,
    generated_at: str = "",
) -> list[Block]:
    """The report's blocks: case, history, findings with explanations, graph image,
    relationship chains, nodes, and the tables (bids, scores, ...) with their sources."""
    b = [Block("h1", f"证据包 Evidence pack — {case.get('id', '')}: {case.get('title', '')}")]
    fields = [
        ("案件 Case", case.get("id")),
        ("标题 Title", case.get("title")),
        ("类型 Kind", case.get("kind")),
        ("状态 Status", case.get("status")),
        ("承办人 Assignee", case.get("assignee")),
        ("创建 Created", f"{_s(case.get('created_by'))} {_s(case.get('created_at'))}"),
        ("受理日 Opened", case.get("opened_on")),
        ("期限 Deadline", case.get("deadline")),
        ("逾期 Overdue", "是 yes" if case.get("overdue") else "否 no"),
        ("区划 Regions", ", ".join(case.get("region_codes") or []) or "全市 city-wide"),
        ("生成 Generated", generated_at),
        ("审计链 Audit chain", f"seq {audit_head['seq']} {audit_head['hash']}" if audit_head else ""),
    ]
    b.append(Block("table", header=["项 Item", "值 Value"], rows=[[k, _s(v)] for k, v in fields]))
    events = case.get("events") or []
    if events:
        b.append(Block("h2", "处理记录 History"))
        b.append(
            Block(
                "table",
                header=["时间 Time", "用户 User", "事项 Event", "从 From", "到 To", "说明 Text"],
                rows=[
                    [_s(e.get(k)) for k in ("time", "user", "kind", "from_value", "to_value", "text")] for e in events
                ],
            )
        )
    b.append(Block("h2", f"线索 Findings ({len(findings)})"))
    for f in findings:
        ev = f.get("evidence") or {}
        b.append(
            Block(
                "h3",
                f"{f.get('id')} · {f.get('detector')} · score {float(f.get('score', 0)):.2f} ({f.get('severity', '')})",
            )
        )
        b.append(Block("p", _s(f.get("summary"))))
        for label, key in (("规则 Rule", "rule"), ("说明 Explanation", "explanation")):
            if ev.get(key):
                b.append(Block("p", f"{label}: {_bi(ev[key])}"))
        measured, fences = ev.get("measured") or {}, ev.get("thresholds") or {}
        if measured or fences:
            names = list(dict.fromkeys([*measured, *fences]))
            b.append(
                Block(
                    "table",
                    header=["指标 Measure", "测得 Measured", "阈值 Threshold"],
                    rows=[[n, _s(measured.get(n)), _s(fences.get(n))] for n in names],
                )
            )
        b.append(
            Block(
                "table",
                header=["类型 Type", "编号 Id", "角色 Role"],
                rows=[[_s(e.get("type")), _s(e.get("id")), _s(e.get("role"))] for e in f.get("entities", [])],
            )
        )
        for fb in f.get("feedback") or []:
            b.append(
                Block(
                    "p", f"反馈 Feedback: {fb.get('verdict')} — {fb.get('reason')} ({fb.get('user')}, {fb.get('time')})"
                )
            )
    if image_png:
        b.append(Block("h2", "关系图 Graph"))
        b.append(Block("image", data=image_png))
    chains = relationship_chains(findings, subgraph)
    if chains:
        b.append(Block("h2", f"关系链 Relationship chains ({len(chains)})"))
        b.extend(Block("p", line) for line in chains)
    nodes = subgraph.get("nodes", [])
    if nodes:
        b.append(Block("h2", f"节点 Nodes ({len(nodes)})"))
        b.append(
            Block(
                "table",
                header=["节点 Node", "名称 Name", SOURCE],
                rows=[
                    [
                        n["id"],
                        _s(n.get("caption") or (n.get("properties") or {}).get("name") or n.get("name")),
                        source_of(n),
                    ]
                    for n in nodes
                ],
            )
        )
    for name, df in tables.items():
        b.append(
            Block(
                "h2",
                f"表 Table: {name} ({len(df)} rows"
                + (f", first {MAX_REPORT_ROWS} shown; all in tables/{name}.csv)" if len(df) > MAX_REPORT_ROWS else ")"),
            )
        )
        b.append(_table_block(df))
    return b


_CSS = (
    "body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;margin:2em;"
    "font-size:14px}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #999;"
    "padding:2px 6px;font-size:12px;vertical-align:top}th{background:#eee}img{max-width:100%}"
)


def render_html(blocks: list[Block]) -> str:
    """A self-contained HTML page (the image embedded); every text is escaped."""
    e = html.escape
    out = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(blocks[0].text)}</title><style>{_CSS}</style></head><body>",
    ]
    for blk in blocks:
        if blk.kind in ("h1", "h2", "h3", "p"):
            out.append(f"<{blk.kind}>{e(blk.text)}</{blk.kind}>")
        elif blk.kind == "table":
            out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in blk.header) + "</tr>")
            out.extend("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in blk.rows)
            out.append("</table>")
        elif blk.kind == "image":
            out.append(f'<img alt="graph" src="data:image/png;base64,{base64.b64encode(blk.data).decode()}">')
    out.append("</body></html>")
    return "\n".join(out)


def find_cjk_font() -> str:
    """Path of a TrueType font with Chinese glyphs; raises InputError naming what to install."""
    for path in (os.environ.get("BIDGRAPH_CJK_FONT"), *FONT_CANDIDATES):
        if path and Path(path).is_file():
            return path
    raise InputError(
        "no Chinese TrueType font found for the PDF report: install Debian fonts-wqy-zenhei "
        "or set BIDGRAPH_CJK_FONT to a .ttf/.ttc with TrueType outlines"
    )


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "BidgraphCJK"
    if name not in pdfmetrics.getRegisteredFontNames():
        path = find_cjk_font()
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        except Exception as exc:  # reportlab raises TTFError and friends for CFF/OTF fonts
            raise InputError(f"{path}: reportlab cannot use this font ({exc}); pick a TrueType CJK font") from exc
    return name


def render_pdf(blocks: list[Block]) -> bytes:
    """The report as PDF (A4, Chinese text in the registered CJK font)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    style = lambda size, **kw: ParagraphStyle(
        f"s{size}", fontName=font, fontSize=size, leading=size * 1.35, wordWrap="CJK", **kw
    )
    styles = {
        "h1": style(16, spaceAfter=8),
        "h2": style(13, spaceBefore=10, spaceAfter=4),
        "h3": style(11, spaceBefore=6, spaceAfter=2),
        "p": style(9, spaceAfter=2),
        "cell": style(7),
    }
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=blocks[0].text,
        invariant=1,
    )
    flow = []
    for blk in blocks:
        if blk.kind in styles:
            flow.append(Paragraph(escape(blk.text), styles[blk.kind]))
        elif blk.kind == "table":
            cell = lambda t: Paragraph(escape(t), styles["cell"])
            data = [[cell(h) for h in blk.header]] + [[cell(c) for c in row] for row in blk.rows]
            width = doc.width / max(1, len(blk.header))
            table = Table(data, colWidths=[width] * len(blk.header), repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            flow += [table, Spacer(1, 4)]
        elif blk.kind == "image":
            img = Image(io.BytesIO(blk.data))
            scale = min(1.0, doc.width / img.imageWidth, (doc.height * 0.8) / img.imageHeight)
            img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
            heading = flow.pop() if flow and isinstance(flow[-1], Paragraph) else None
            flow.append(KeepTogether([heading, img] if heading else [img]))  # no orphaned "Graph" title
    doc.build(flow)
    return buf.getvalue()
