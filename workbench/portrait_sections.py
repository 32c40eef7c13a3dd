"""A portrait as sections of rows, in the page's language: one model that the page draws
(``workbench/portraits.py``) and the PDF prints (:func:`pdf_bytes`, the evidence report's
renderer and CJK font, ``bidgraph.cases.report``).

A cell is text, or a :class:`Ref` to another portrait (a link on the page, its text in the PDF).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bidgraph.cases.report import Block, render_pdf
from bidgraph.graph.schema import schema
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.present import region_name, value_text

__all__ = ["Ref", "Section", "sections", "pdf_bytes", "cell_text", "title_of"]


@dataclass(frozen=True)
class Ref:
    """A link to the portrait ``kind:key`` shown as ``text``."""

    kind: str
    key: str
    text: str

    @property
    def href(self) -> str:
        return f"?portrait={self.kind}:{self.key}"


Cell = str | Ref


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    chart: dict | None = None  # {"x": [...], "series": {name: [...]}, "kind": "bar" | "line"}


def cell_text(cell: Cell) -> str:
    return cell.text if isinstance(cell, Ref) else cell


def _enum(value, lang: str) -> str:
    """A schema enum value by its name in ``lang`` (graph/schema.toml [value_labels])."""
    pair = schema().value_labels.get(str(value)) if value not in (None, "") else None
    return pair[0 if lang == "zh" else 1] if pair else ("" if value in (None, "") else str(value))


def _n(value, lang: str) -> str:
    return "—" if value is None or value == "" else value_text(value, lang)


def _pct(value) -> str:
    return "—" if value is None else f"{100 * float(value):.1f}%"


def _org(org_id: str, org_name: str) -> Cell:
    return Ref("firm", org_id, f"{org_name}（{org_id}）" if org_name else org_id) if org_id else ""


def _finding_text(f: dict, lang: str) -> str:
    explanation = f.get("explanation")
    if isinstance(explanation, dict) and explanation.get(lang):
        return str(explanation[lang])
    return str(f.get("summary") or "") if lang == "en" else name("detector", f.get("detector"), lang)


def title_of(profile: dict, lang: str) -> str:
    kind = t("pt.kind." + profile["kind"], lang)
    if lang == "zh":
        return f"{kind}：{profile['name']}（{profile['id']}）"
    return f"{kind}: {profile['name']} ({profile['id']})"


def _facts(profile: dict, pairs: list[tuple[str, Cell]], lang: str) -> Section:
    """Key facts: the portrait's name and id, then ``pairs`` (string key, value)."""
    pairs = [("pt.f.name", profile["name"]), ("pt.f.id", profile["id"]), *pairs]
    return Section(
        t("pt.s.facts", lang), [t("col.property", lang), t("col.value", lang)], [[t(k, lang), v] for k, v in pairs]
    )


def _common(profile: dict, links: dict, lang: str) -> list[Section]:
    """Findings, smoke index, cases, dispatches and complaints: every kind of portrait ends with them."""
    c = lambda k: t(f"pt.c.{k}", lang)
    out = [
        Section(
            t("pt.s.findings", lang),
            [c("id"), c("detector"), c("severity"), c("score"), c("text")],
            [
                [
                    f["id"],
                    name("detector", f["detector"], lang),
                    name("severity", f["severity"], lang),
                    f"{float(f['score']):.2f}",
                    _finding_text(f, lang),
                ]
                for f in profile["findings"]
            ],
        )
    ]
    smoke = profile.get("smoke")
    if "smoke" in profile:
        trend = smoke["trend"] if smoke else []
        out.append(
            Section(
                t("pt.s.smoke", lang),
                [c("at"), c("index")],
                [[str(at)[:19].replace("T", " "), f"{v:.1f}"] for at, v in trend],
                chart={
                    "kind": "line",
                    "x": [str(at)[:19].replace("T", " ") for at, _ in trend],
                    "series": {c("index"): [v for _, v in trend]},
                }
                if trend
                else None,
            )
        )
    out += [
        Section(
            t("pt.s.cases", lang),
            [c("id"), c("title"), c("status")],
            [[x["id"], x.get("title", ""), name("status", x.get("status"), lang)] for x in links.get("cases", [])],
        ),
        Section(
            t("pt.s.dispatches", lang),
            [c("id"), c("action"), c("status"), c("deadline")],
            [
                [
                    x["id"],
                    name("dispatch_action", x.get("action"), lang),
                    name("dispatch_status", x.get("status"), lang),
                    str(x.get("deadline") or ""),
                ]
                for x in links.get("dispatches", [])
            ],
        ),
        Section(
            t("pt.s.complaints", lang),
            [c("id"), c("kind"), c("received")],
            [
                [x["id"], _enum(x.get("kind"), lang), str(x.get("received_on") or "")]
                for x in links.get("complaints", [])
            ],
        ),
    ]
    return out


def _firm(p: dict, lang: str, regions: dict) -> list[Section]:
    c = lambda k: t(f"pt.c.{k}", lang)
    props, totals = p["properties"], p["totals"]
    facts = _facts(
        p,
        [
            ("pt.f.uscc", str(props.get("uscc") or "—")),
            ("pt.f.kind", _enum(props.get("kind"), lang)),
            ("pt.f.region", region_name(props.get("region_code"), lang, regions)),
            ("pt.f.bids", _n(totals["bids"], lang)),
            ("pt.f.wins", _n(totals["wins"], lang)),
            ("pt.f.win_rate", _pct(totals["win_rate"])),
            ("pt.f.smoke", f"{p['smoke']['index']:.1f}" if p.get("smoke") else "—"),
        ],
        lang,
    )
    years = p["per_year"]
    return [
        facts,
        Section(
            t("pt.s.per_year", lang),
            [c("year"), c("bids"), c("wins"), c("win_rate")],
            [[y["year"], str(y["bids"]), str(y["wins"]), _pct(y["win_rate"])] for y in years],
            chart={
                "kind": "bar",
                "x": [y["year"] for y in years],
                "series": {c("bids"): [y["bids"] for y in years], c("wins"): [y["wins"] for y in years]},
            }
            if years
            else None,
        ),
        Section(
            t("pt.s.won_with", lang),
            [c("role"), c("org"), c("wins")],
            [[t(f"pt.role.{r['role']}", lang), _org(r["org_id"], r["name"]), str(r["wins"])] for r in p["won_with"]],
        ),
        Section(
            t("pt.s.co_bidders", lang),
            [c("org"), c("lots"), c("their_wins")],
            [[_org(r["org_id"], r["name"]), str(r["lots"]), str(r["their_wins"])] for r in p["co_bidders"]],
        ),
        Section(
            t("pt.s.persons", lang),
            [c("person"), c("role"), c("share"), c("since"), c("until")],
            [
                [
                    f"{r['name']}（{r['person_id']}）" if lang == "zh" else f"{r['name']} ({r['person_id']})",
                    _enum(r["role"], lang),
                    _n(r["share_pct"], lang),
                    r["since"] or "—",
                    r["until"] or "—",
                ]
                for r in p["persons"]
            ],
        ),
        Section(
            t("pt.s.traces", lang),
            [c("kind"), c("value"), c("firms")],
            [
                [
                    t(f"pt.r.{r['kind']}", lang),
                    r["value"],
                    "、".join(cell_text(_org(f["org_id"], f["name"])) for f in r["firms"])
                    if lang == "zh"
                    else ", ".join(cell_text(_org(f["org_id"], f["name"])) for f in r["firms"]),
                ]
                for r in p["traces"]
            ],
        ),
    ]


def _expert(p: dict, lang: str, regions: dict) -> list[Section]:
    c = lambda k: t(f"pt.c.{k}", lang)
    props, totals = p["properties"], p["totals"]
    facts = _facts(
        p,
        [
            ("pt.f.specialty", "、".join(p["specialties"]) or "—"),
            ("pt.f.employer", str(props.get("employer_org_id") or "—")),
            ("pt.f.panels", _n(totals["panels"], lang)),
            ("pt.f.scores", _n(totals["scores"], lang)),
            ("pt.f.mean_deviation", _n(totals["mean_deviation"], lang)),
            ("pt.f.above", _pct(totals["above_panel"])),
        ],
        lang,
    )
    return [
        facts,
        Section(
            t("pt.s.categories", lang),
            [c("category"), c("panels")],
            [[name("category", r["category"], lang), str(r["panels"])] for r in p["categories"]],
        ),
        Section(
            t("pt.s.panels", lang),
            [c("lot"), c("project"), c("opened"), c("experts"), c("bids"), c("deviation")],
            [
                [
                    r["lot_id"],
                    Ref("project", r["project_id"], r["project"] or r["project_id"]) if r["project_id"] else "",
                    r["opened"] or "—",
                    str(r["experts"]),
                    str(r["bids"]),
                    _n(r["mean_deviation"], lang),
                ]
                for r in p["panels"]
            ],
            note=t("pt.tendency_note", lang),
        ),
        Section(
            t("pt.s.firms_high", lang),
            [c("org"), c("scores"), c("deviation"), c("wins")],
            [
                [_org(r["org_id"], r["name"]), str(r["scores"]), _n(r["mean_deviation"], lang), str(r["wins"])]
                for r in p["firms_high"]
            ],
        ),
    ]


def _detail(event: dict, lang: str) -> str:
    stage, detail = event["stage"], event["detail"]
    if stage in ("opened", "complaint", "personnel"):
        return _enum(detail, lang)
    if stage == "change":
        kind, _, reason = detail.partition(" ")
        return " ".join(x for x in (_enum(kind, lang), reason) if x)
    if stage == "on_site":
        role, _, span = detail.partition(" ")
        return f"{role} {span}".strip()
    return detail


def _project(p: dict, lang: str, regions: dict) -> list[Section]:
    c = lambda k: t(f"pt.c.{k}", lang)
    props = p["properties"]
    facts = _facts(
        p,
        [
            ("pt.f.category", name("category", props.get("category"), lang)),
            ("pt.f.procedure", name("procedure", props.get("procedure"), lang)),
            ("pt.f.region", region_name(props.get("region_code"), lang, regions)),
            ("pt.f.tenderer", _org(p["tenderer"]["org_id"], p["tenderer"]["name"]) or "—"),
            ("pt.f.agency", _org(p["agency"]["org_id"], p["agency"]["name"]) or "—"),
            ("pt.f.budget", _n(props.get("budget"), lang)),
            ("pt.f.approved", str(props.get("approved_on") or "—")[:10]),
            ("pt.f.lots", "、".join(p["lots"]) if lang == "zh" else ", ".join(p["lots"])),
        ],
        lang,
    )
    dated = [e for e in p["timeline"] if e["date"]]
    timeline = Section(
        t("pt.s.timeline", lang),
        [c("date"), c("stage"), c("lot"), c("subject"), c("amount"), c("detail")],
        [
            [
                e["date"] or "—",
                t(f"pt.t.{e['stage']}", lang),
                e["lot"],
                e["subject"],
                _n(e["amount"], lang),
                _detail(e, lang),
            ]
            for e in p["timeline"]
        ],
        chart={
            "kind": "points",
            "x": [e["date"] for e in dated],
            "series": {t("pt.c.stage", lang): [t(f"pt.t.{e['stage']}", lang) for e in dated]},
        }
        if dated
        else None,
    )
    return [facts, timeline]


KINDS = {"firm": _firm, "expert": _expert, "project": _project}


def sections(profile: dict, links: dict, lang: str, regions: dict | None = None) -> list[Section]:
    """The portrait ``profile`` (``bidgraph.graph.profiles``) and its ``links`` (cases,
    dispatches, complaints: ``bidgraph.cases.portrait_links``) as sections in ``lang``."""
    return KINDS[profile["kind"]](profile, lang, regions or {}) + _common(profile, links, lang)


def pdf_bytes(profile: dict, parts: list[Section], lang: str, note: str = "") -> bytes:
    """The portrait as a PDF (A4, Chinese in the report's CJK font)."""
    blocks = [Block("h1", title_of(profile, lang))] + ([Block("p", note)] if note else [])
    for s in parts:
        blocks.append(Block("h2", s.title))
        if s.note:
            blocks.append(Block("p", s.note))
        if s.rows:
            blocks.append(Block("table", header=s.header, rows=[[cell_text(x) for x in row] for row in s.rows]))
        else:
            blocks.append(Block("p", t("pt.none", lang)))
    return render_pdf(blocks)
