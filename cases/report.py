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

from bidgraph.cases.chains import chain_sentences
from bidgraph.cases.labels import case_name
from bidgraph.detectors.core.measure_text import measures
from bidgraph.detectors.core.names import ROLE_NAMES, SEVERITY_NAMES, detector_name
from bidgraph.errors import InputError
from bidgraph.graph.regions import region_name
from bidgraph.graph.schema import schema

__all__ = [
    "Block",
    "build_report",
    "render_html",
    "render_pdf",
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
TABLE_SOURCES = {"scores": "expert_scores"}  # a pack table -> the bundle table its columns come from
TABLE_TITLES = {"bids": "投标 bids", "scores": "专家评分 expert scores"}


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


def _both(pair_of) -> str:
    """ "中文 English" from a function of the language (the report is bilingual, Chinese first)."""
    zh, en = pair_of("zh"), pair_of("en")
    return zh if zh == en else f"{zh} {en}"


def _case_term(kind: str, value) -> str:
    """A case vocabulary value (status, case_kind, verdict, event) as "中文 English"."""
    return _both(lambda lang: case_name(kind, value, lang))


def _finding_blocks(f: dict, names: dict[str, str]) -> list[Block]:
    """A finding as its header, rule, explanation, named measures with their thresholds and
    crossed/within marks, entities by name and role, and verdicts."""
    ev = f.get("evidence") or {}
    severity = SEVERITY_NAMES.get(str(f.get("severity")), (_s(f.get("severity")),) * 2)
    b = [
        Block(
            "h3",
            f"{f.get('id')} · {_both(lambda lang: detector_name(str(f.get('detector')), lang))} · "
            f"分值 score {float(f.get('score', 0)):.2f}（{severity[0]} {severity[1]}）",
        )
    ]
    for key, zh_label, en_label in (("rule", "规则", "Rule"), ("explanation", "说明", "Explanation")):
        text = ev.get(key)
        if isinstance(text, dict):
            b += [Block("p", f"{zh_label}：{_s(text.get('zh'))}"), Block("p", f"{en_label}: {_s(text.get('en'))}")]
        elif text:
            b.append(Block("p", f"{zh_label} {en_label}: {_s(text)}"))
    if not ev.get("explanation") and f.get("summary"):
        b.append(Block("p", _s(f.get("summary"))))
    zh_rows = measures(ev.get("measured"), ev.get("thresholds"), "zh")
    en_rows = measures(ev.get("measured"), ev.get("thresholds"), "en")
    if zh_rows:
        b.append(
            Block(
                "table",
                header=["指标 Measure", "测得 Measured", "阈值 Threshold", "是否越线 Crossed"],
                rows=[
                    [f"{z['measure']} {e['measure']}", z["value"], z["threshold"], f"{z['mark']} {e['mark']}".strip()]
                    for z, e in zip(zh_rows, en_rows)
                ],
            )
        )
    entity_names = {e.name: e.names for e in schema().entity_types.values()}
    labels = schema().entity_labels
    b.append(
        Block(
            "table",
            header=["类型 Type", "名称 Name", "编号 Id", "角色 Role"],
            rows=[
                [
                    " ".join(entity_names.get(str(e.get("type")), (_s(e.get("type")),))),
                    names.get(f"{labels.get(str(e.get('type')))}:{e.get('id')}", ""),
                    _s(e.get("id")),
                    " ".join(ROLE_NAMES.get(str(e.get("role")), (_s(e.get("role")),))),
                ]
                for e in f.get("entities", [])
            ],
        )
    )
    for fb in f.get("feedback") or []:
        verdict = _case_term("verdict", fb.get("verdict"))
        b.append(Block("p", f"反馈 Feedback: {verdict} — {fb.get('reason')} ({fb.get('user')}, {fb.get('time')})"))
    return b


def _node_name(node_id: str, nodes: dict[str, dict]) -> str:
    node = nodes.get(node_id, {})
    return _s(node.get("caption") or (node.get("properties") or {}).get("name")) or node_id.partition(":")[2]


def _paths(findings: list[dict], subgraph: dict) -> list[str]:
    """The findings' evidence paths, by name: "甲公司 → 张三 → 乙公司"."""
    nodes = {n["id"]: n for n in subgraph.get("nodes", [])}
    return [
        f"{f.get('id')}: " + " → ".join(_node_name(p, nodes) if isinstance(p, str) else _s(p) for p in path)
        for f in findings
        for path in (f.get("evidence") or {}).get("paths", []) or []
        if isinstance(path, list) and path
    ]


def _column_header(table: str, column: str) -> str:
    """A table column as "投标报价 price" (the schema's first Chinese alias)."""
    spec = schema().tables.get(table)
    col = spec.columns.get(column) if spec else None
    return f"{col.aliases[0]} {column}" if col is not None and col.aliases else column


def _table_block(name: str, df: pd.DataFrame) -> Block:
    cols = [c for c in df.columns if c not in ("_file", "_row")][:MAX_REPORT_COLUMNS]
    rows = [
        [_s(r.get(c)) for c in cols] + [source_of({"_file": r.get("_file"), "_row": r.get("_row")})]
        for r in df.head(MAX_REPORT_ROWS).to_dict("records")
    ]
    return Block("table", header=[_column_header(TABLE_SOURCES.get(name, name), c) for c in cols] + [SOURCE], rows=rows)


def _case_fields(case: dict, audit_head: dict | None, generated_at: str) -> list[list[str]]:
    regions = case.get("region_codes") or []
    fields = [
        ("案件 Case", case.get("id")),
        ("标题 Title", case.get("title")),
        ("类型 Kind", _case_term("case_kind", case.get("kind"))),
        ("状态 Status", _case_term("status", case.get("status"))),
        ("承办人 Assignee", case.get("assignee")),
        ("创建 Created", f"{_s(case.get('created_by'))} {_s(case.get('created_at'))}"),
        ("受理日 Opened", case.get("opened_on")),
        ("期限 Deadline", case.get("deadline")),
        ("逾期 Overdue", "是 yes" if case.get("overdue") else "否 no"),
        ("区划 Regions", "、".join(region_name(c, "zh") for c in regions) or "全市 city-wide"),
        ("生成 Generated", generated_at),
        ("审计链 Audit chain", f"seq {audit_head['seq']} {audit_head['hash']}" if audit_head else ""),
    ]
    return [[k, _s(v)] for k, v in fields]


def _history(events: list[dict]) -> Block:
    def value(e: dict, key: str) -> str:
        v = e.get(key)
        return _case_term("status", v) if e.get("kind") in ("create", "status") and v else _s(v)

    return Block(
        "table",
        header=["时间 Time", "用户 User", "事项 Event", "从 From", "到 To", "说明 Text"],
        rows=[
            [
                _s(e.get("time")),
                _s(e.get("user")),
                _case_term("event", e.get("kind")),
                value(e, "from_value"),
                value(e, "to_value"),
                _s(e.get("text")),
            ]
            for e in events
        ],
    )


def build_report(
    case: dict,
    findings: list[dict],
    tables: dict[str, pd.DataFrame],
    subgraph: dict,
    image_png: bytes | None = None,
    audit_head: dict | None = None,
    generated_at: str = "",
    views: list[dict] | None = None,
) -> list[Block]:
    """The report's blocks: case, history, findings with explanations and named measures, the
    graph image, the relationship chains as sentences (Chinese, then English), the evidence
    paths by name, the nodes, and the tables (bids, scores, ...) with their sources. Codes are
    named (statuses, detectors, roles, regions); the raw relationships are in graph.graphml."""
    b = [Block("h1", f"证据包 Evidence pack — {case.get('id', '')}: {case.get('title', '')}")]
    b.append(Block("table", header=["项 Item", "值 Value"], rows=_case_fields(case, audit_head, generated_at)))
    if case.get("events"):
        b += [Block("h2", "处理记录 History"), _history(case["events"])]
    b.append(Block("h2", f"线索 Findings ({len(findings)})"))
    names = {n["id"]: _node_name(n["id"], {n["id"]: n}) for n in subgraph.get("nodes", [])}
    for f in findings:
        b += _finding_blocks(f, names)
    if image_png:
        b += [Block("h2", "关系图 Graph"), Block("image", data=image_png)]
    for i, view in enumerate(views or [], start=1):
        b.append(Block("h2", f"画布视图 Canvas view {i}: {view['name']}"))
        left_out = (
            f"；另有{view['left_out']}个其他地区节点未显示 / {view['left_out']} nodes of other regions left out"
            if view.get("left_out")
            else ""
        )
        b.append(Block("p", f"{view['created_by']} {view['created_at']}（views/{i:02d}.png）{left_out}"))
        b.append(Block("image", data=view["png"]))
    bids = tables.get("bids", pd.DataFrame(columns=["org_id", "lot_id"]))
    sentences = chain_sentences(findings, subgraph, bids)
    if sentences:
        b.append(Block("h2", f"关系链 Relationship chains ({len(sentences)})"))
        for zh, en in sentences:
            b += [Block("p", zh), Block("p", en)]
    paths = _paths(findings, subgraph)
    if paths:
        b.append(Block("h2", f"关联路径 Paths ({len(paths)})"))
        b.extend(Block("p", line) for line in paths)
    nodes = subgraph.get("nodes", [])
    if nodes:
        b.append(Block("h2", f"节点 Nodes ({len(nodes)})"))
        rows = [[n["id"], _node_name(n["id"], {n["id"]: n}), source_of(n)] for n in nodes]
        b.append(Block("table", header=["节点 Node", "名称 Name", SOURCE], rows=rows))
    for name, df in tables.items():
        shown = f"，仅列前{MAX_REPORT_ROWS}行，全部见 tables/{name}.csv" if len(df) > MAX_REPORT_ROWS else ""
        b.append(Block("h2", f"表 Table: {TABLE_TITLES.get(name, name)} ({len(df)}行 rows{shown})"))
        b.append(_table_block(name, df))
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
