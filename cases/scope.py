"""Region scope: city staff see everything, county (区县) staff only their own region.

A project belongs to the region of its ``region_code``; a lot, bid, contract, payment,
expert score, upload or document to the region of its project; an organization to every
region where it tendered, acted as agency, bid (alone or in a consortium) or signed a contract; a person to the regions
of the organizations they hold a role in and the lots they were on site of; an expert to the
regions of the lots they scored; an IP, device or document to the regions of its bids.

A finding is in the regions of its lot and project entities; a finding without any lot or
project is in the regions of all its entities. A county user sees a finding, case, table row
or graph node only if its regions include their region code, and a finding only cut to its
part in their region (:meth:`Scope.cut_findings`): the entities, evidence nodes, links and
values of other regions are gone, replaced by their count (``other_regions``), and a smoke
index is summed again over the findings they can see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from bidgraph.cases.region_index import PLACEMENT_RULES, RegionIndex
from bidgraph.detectors.core.evidence import combine
from bidgraph.graph.schema import schema

__all__ = [
    "Scope",
    "RegionIndex",
    "LABEL_TYPES",
    "TABLE_LINKS",
    "REGION_NEUTRAL_TABLES",
    "PLACEMENT_RULES",
    "OTHER_REGIONS",
    "ELSEWHERE",
]

# Graph node label (role labels included) -> entity type: bundle.md's entity types plus bid and
# payment (graph/schema.toml [entity_types]).
LABEL_TYPES = schema().label_entity_types
# Bundle table -> the (column, entity type) links whose regions a row is in, written as the
# tables each link places.
_TABLES_BY_LINK = {
    ("project_id", "project"): ("projects",),
    ("lot_id", "lot"): ("lots", "bids", "expert_scores", "scores", "contracts", "site_personnel"),
    ("bid_id", "bid"): ("bid_uploads", "bid_documents", "bid_members", "bid_bonds", "bid_texts", "bid_shingles"),
    # a personnel change naming only its lot is shown to no county
    ("contract_id", "contract"): ("payments", "contract_changes", "settlements", "personnel_changes"),
    ("org_id", "company"): ("organizations", "person_roles"),
    ("person_id", "person"): ("persons",),
    ("expert_id", "expert"): ("experts",),
    ("ocid", "project"): ("ocds_releases",),  # the OCDS loader makes one project per ocid, keyed by it
}
TABLE_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    table: (link,) for link, tables in _TABLES_BY_LINK.items() for table in tables
}
# a complaint names its lot or only its project: visible where either lies
TABLE_LINKS["complaints"] = (("lot_id", "lot"), ("project_id", "project"))
# Bundle tables that are vocabulary, not facts about parties: every region reads them whole.
REGION_NEUTRAL_TABLES = frozenset({"regions"})


OTHER_REGIONS = "other_regions"  # key of a cut finding: how many of its entities lie in other regions
ELSEWHERE = "〔其他地区 / other region〕"  # what stands in a cut finding's text for an id or name of elsewhere
SMOKE_INDEX = "smoke_index"  # the detector whose findings sum up the others (cut: summed again)
_ID_EDGE = "A-Za-z0-9_.:-"  # characters that continue an id: "L1" must not match inside "L10"


@dataclass(frozen=True)
class Scope:
    """What one user may see: ``region_code`` None = everything (city staff)."""

    region_code: str | None = None

    @classmethod
    def of(cls, user) -> Scope:
        return cls(user.region_code)

    @property
    def is_all(self) -> bool:
        return self.region_code is None

    def allows(self, regions: Iterable[str]) -> bool:
        """Whether something lying in ``regions`` is visible (city staff: always)."""
        return self.is_all or self.region_code in set(regions)

    def filter_findings(self, findings, index: RegionIndex):
        """Keep the visible findings; takes a list of dicts or a DataFrame with an
        ``entities`` column and returns the same kind."""
        if self.is_all:
            return findings
        if isinstance(findings, pd.DataFrame):
            mask = findings.apply(lambda row: self.allows(index.finding_regions(row.to_dict())), axis=1)
            return findings[mask.astype(bool)] if len(findings) else findings
        return [f for f in findings if self.allows(index.finding_regions(f))]

    def filter_table(
        self, name: str, df: pd.DataFrame, index: RegionIndex, column: str | None = None, entity_type: str | None = None
    ) -> pd.DataFrame:
        """Keep the rows of a bundle table (or any table with ``column`` holding ids of
        ``entity_type``) that lie in the scope's region.

        Raises ``KeyError`` for a table it does not know how to place, rather than leaking it.
        """
        if self.is_all or (column is None and name in REGION_NEUTRAL_TABLES):
            return df
        if column is None:
            if name not in TABLE_LINKS:
                raise KeyError(f"no region rule for table {name!r}; pass column and entity_type")
            links = TABLE_LINKS[name]
        elif entity_type is None:
            raise KeyError(f"column {column!r} of table {name!r} needs its entity_type")
        else:
            links = ((column, entity_type),)
        keep = pd.Series(False, index=df.index)
        for col, typ in links:
            keep |= df[col].astype(str).isin(index.ids_in(typ, self.region_code or ""))
        return df[keep]

    def filter_subgraph(self, subgraph: dict, index: RegionIndex) -> dict:
        """Keep the visible nodes of ``{"nodes": [{"id": "Label:key", ...}], "edges": [...]}``.

        Nodes whose label has an entity type are kept if they lie in the region; other nodes
        (phones, addresses, e-mails) only if an edge links them to a kept node. Edges are kept
        when both ends are.
        """
        if self.is_all:
            return subgraph
        kept, unplaced = set(), set()
        for node in subgraph.get("nodes", []):
            label, _, key = str(node["id"]).partition(":")
            typ = schema().label_entity_type(label)
            if typ is None:
                unplaced.add(node["id"])
            elif self.region_code in index.regions(typ, key):
                kept.add(node["id"])
        edges = subgraph.get("edges", [])
        for e in edges:
            a, b = e["source"], e["target"]
            if a in unplaced and b in kept or b in unplaced and a in kept:
                kept.add(a if a in unplaced else b)
        return {
            "nodes": [n for n in subgraph.get("nodes", []) if n["id"] in kept],
            "edges": [e for e in edges if e["source"] in kept and e["target"] in kept],
        }

    def cut_findings(self, findings: list[dict], index: RegionIndex) -> list[dict]:
        """The visible findings (:meth:`filter_findings`), each cut to its part in the scope's
        region (:meth:`cut_finding`); smoke-index findings keep only the contributions of the
        findings kept, are summed again and dropped below their ``min_index``."""
        if self.is_all:
            return findings
        kept = [self.cut_finding(f, index) for f in self.filter_findings(findings, index)]
        visible = {f["id"] for f in kept if f.get("detector") != SMOKE_INDEX}
        parts = [_smoke_part(f, visible) if f.get("detector") == SMOKE_INDEX else f for f in kept]
        return [f for f in parts if f is not None]

    def cut_finding(self, finding: dict, index: RegionIndex) -> dict:
        """``finding`` without the entities of other regions, counted instead in ``other_regions``:
        evidence nodes, links and paths touching them go, and their ids and names
        (``index.names``) are replaced by :data:`ELSEWHERE` wherever they appear in the text,
        the measured values or the other evidence."""
        if self.is_all:
            return finding
        here = lambda typ, key: self.region_code in index.regions(typ, key)
        entities = finding.get("entities") or []
        kept = [e for e in entities if here(e["type"], e["id"])]
        hidden = {_uid(e["type"], e["id"]) for e in entities if e not in kept}
        evidence = dict(finding.get("evidence") or {})
        nodes = [n for n in evidence.get("nodes", []) if isinstance(n, str)]
        placed = {n for n in nodes if LABEL_TYPES.get(n.partition(":")[0])}
        hidden |= {n for n in placed if not here(LABEL_TYPES[n.partition(":")[0]], n.partition(":")[2])}
        linked = {end for link in _links(evidence) for end in link if end not in hidden and end in placed}
        hidden |= {
            n
            for n in nodes
            if n not in placed and not any(n in link for link in _links(evidence) if set(link) & linked)
        }
        if not hidden:
            return {**finding, OTHER_REGIONS: 0}
        words = {w for uid in hidden for w in (uid, uid.partition(":")[2], index.names.get(uid)) if w}
        pattern = re.compile(
            f"(?<![{_ID_EDGE}])(?:{'|'.join(map(re.escape, sorted(words, key=len, reverse=True)))})(?![{_ID_EDGE}])"
        )
        others = sum(1 for e in entities if e not in kept)
        cut = {k: v for k, v in finding.items() if k not in ("entities", "evidence")}
        return {
            **_scrub(cut, pattern, words),
            "entities": kept,
            "evidence": _scrub(evidence, pattern, words),
            OTHER_REGIONS: others,
        }


def _uid(entity_type: str, key: object) -> str:
    return f"{schema().entity_labels.get(entity_type, entity_type)}:{key}"


def _links(evidence: dict) -> list[list[str]]:
    """The evidence's edges (``[a, TYPE, b]``, ends only) and paths (lists of node ids)."""
    edges = [[e[0], e[-1]] for e in evidence.get("edges") or [] if isinstance(e, list | tuple) and len(e) >= 2]
    paths = [list(p) for p in evidence.get("paths") or [] if isinstance(p, list | tuple)]
    return edges + paths


def _scrub(value, pattern: re.Pattern, words: set[str]):
    """``value`` with every word of ``words`` replaced in its strings, and list items and dict
    entries that are (or link) one of them dropped."""
    names = lambda v: (
        v in words if isinstance(v, str) else isinstance(v, list | tuple) and bool(set(map(str, v)) & words)
    )
    if isinstance(value, str):
        return pattern.sub(ELSEWHERE, value)
    if isinstance(value, dict):
        return {_scrub(k, pattern, words): _scrub(v, pattern, words) for k, v in value.items() if k not in words}
    if isinstance(value, list | tuple):
        return [_scrub(v, pattern, words) for v in value if not names(v)]
    return value


def _smoke_part(finding: dict, visible: set[str]) -> dict | None:
    """A smoke-index finding combined again over the contributions of ``visible`` findings, by
    the rule and arithmetic of the detector (:func:`bidgraph.detectors.core.evidence.combine`);
    None when the part falls below the stored ``min_index``."""
    evidence = finding.get("evidence") or {}
    thresholds = evidence.get("thresholds") or {}
    contributions = [c for c in evidence.get("contributions") or [] if c.get("finding") in visible]
    if len(contributions) == len(evidence.get("contributions") or []):
        return finding
    pieces = pd.DataFrame(contributions, columns=["detector", "evidence"]).assign(entity=0)
    # smoke-index findings of rule version 2, stored before the rule was recorded, were combined by noisy-OR
    combined, points = combine(pieces, ["entity"], evidence.get("combine", "noisy_or"))
    index = float(combined["index"].sum())
    if index < float(thresholds.get("min_index", 0)):
        return None
    contributions = [{**c, "points": round(float(p), 4)} for c, p in zip(contributions, points)]
    by_detector = pieces.assign(points=points).groupby("detector")["points"].sum().round(2).to_dict()
    entity = (finding.get("entities") or [{}])[0]
    left_out = len(evidence["contributions"]) - len(contributions)
    part = {
        "zh": f"本地区部分：{entity.get('id')} 的冒烟指数为 {index:g}，来自 {len(contributions)} 条预警"
        f"（另有 {left_out} 条其他地区预警未计入）。",
        "en": f"Your region's part: {entity.get('id')} has smoke index {index:g} from {len(contributions)} "
        f"findings ({left_out} findings of other regions left out).",
    }
    return {
        **finding,
        "score": index / 100,
        "summary": part["en"],
        "evidence": {
            **evidence,
            "explanation": part,
            "measured": {"index": index, "findings": len(contributions)},
            "by_detector": by_detector,
            "contributions": contributions,
        },
    }
