"""Region scope: city staff see everything, county (区县) staff only their own region.

A project belongs to the region of its ``region_code``; a lot, bid, contract, payment,
expert score, upload or document to the region of its project; an organization to every
region where it tendered, acted as agency, bid or signed a contract; a person to the regions
of the organizations they hold a role in and the lots they were on site of; an expert to the
regions of the lots they scored; an IP, device or document to the regions of its bids.

A finding is in the regions of its lot and project entities; a finding without any lot or
project is in the regions of all its entities. A county user sees a finding, case, table row
or graph node only if its regions include their region code.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Mapping

import pandas as pd

__all__ = ["Scope", "RegionIndex", "LABEL_TYPES", "TABLE_LINKS"]

# Graph node label -> entity type (bundle.md's entity types plus bid and payment).
LABEL_TYPES = {"Organization": "company", "Bidder": "company", "Tenderer": "company", "Agency": "company",
               "Person": "person", "Expert": "expert", "Project": "project", "Lot": "lot", "Bid": "bid",
               "Contract": "contract", "Payment": "payment", "IP": "ip", "Device": "device",
               "Document": "document"}
# Bundle table -> (column, entity type) whose regions a row is in.
TABLE_LINKS = {"projects": ("project_id", "project"), "lots": ("lot_id", "lot"), "bids": ("lot_id", "lot"),
               "bid_uploads": ("bid_id", "bid"), "bid_documents": ("bid_id", "bid"),
               "expert_scores": ("lot_id", "lot"), "scores": ("lot_id", "lot"), "contracts": ("lot_id", "lot"),
               "payments": ("contract_id", "contract"), "site_personnel": ("lot_id", "lot"),
               "organizations": ("org_id", "company"), "persons": ("person_id", "person"),
               "person_roles": ("org_id", "company"), "experts": ("expert_id", "expert")}


def _pairs(df: pd.DataFrame, id_col: str, region_col: str = "region") -> pd.DataFrame:
    out = df[[id_col, region_col]].dropna().astype(str)
    out.columns = ["id", "region"]
    return out


class RegionIndex:
    """Which regions each entity lies in, built once from the bundle tables of a snapshot.

    Parameters
    ----------
    tables : a ``Snapshot`` or a mapping of table name -> DataFrame (missing tables = empty).
    """

    def __init__(self, tables):
        get = (lambda name: tables[name] if name in tables else None) if isinstance(tables, Mapping) \
            else (lambda name: tables[name])
        empty = pd.DataFrame({"id": pd.Series(dtype=str), "region": pd.Series(dtype=str)})
        t = {name: get(name) for name in ("projects", "lots", "bids", "contracts", "payments", "person_roles",
                                          "site_personnel", "expert_scores", "bid_uploads", "bid_documents")}
        t = {k: (v if v is not None and len(v) else None) for k, v in t.items()}
        pairs: dict[str, list[pd.DataFrame]] = {}
        add = lambda typ, df, id_col, region_col="region": pairs.setdefault(typ, []).append(_pairs(df, id_col, region_col))
        projects = t["projects"]
        if projects is None:
            self._pairs = {}
            return
        add("project", projects, "project_id", "region_code")
        proj = projects[["project_id", "region_code"]].rename(columns={"region_code": "region"})
        for col in ("tenderer_id", "agency_id"):
            if col in projects:
                add("company", projects.rename(columns={"region_code": "region"}), col)
        lots = t["lots"][["lot_id", "project_id"]].merge(proj, on="project_id") if t["lots"] is not None else None
        if lots is not None:
            add("lot", lots, "lot_id")
            lot_region = lots[["lot_id", "region"]]
            for name, id_cols in (("bids", {"bid_id": "bid", "org_id": "company"}),
                                  ("contracts", {"contract_id": "contract", "org_id": "company"}),
                                  ("site_personnel", {"person_id": "person"}),
                                  ("expert_scores", {"expert_id": "expert"})):
                if t[name] is not None:
                    joined = t[name].merge(lot_region, on="lot_id")
                    for col, typ in id_cols.items():
                        add(typ, joined, col)
        self._pairs = {typ: pd.concat(parts).drop_duplicates() for typ, parts in pairs.items()}
        bid_region = self._pairs.get("bid", empty).rename(columns={"id": "bid_id"})
        for name, cols in (("bid_uploads", {"ip": "ip", "mac": "device", "hardware_id": "device"}),
                           ("bid_documents", {"fingerprint": "document", "file_sha256": "document"})):
            if t[name] is not None:
                joined = t[name].astype({"bid_id": str}).merge(bid_region, on="bid_id")
                for col, typ in cols.items():
                    if col in joined:
                        self._extend(typ, _pairs(joined, col))
        if t["payments"] is not None:
            joined = t["payments"].merge(self._pairs.get("contract", empty).rename(columns={"id": "contract_id"}),
                                         on="contract_id")
            self._extend("payment", _pairs(joined, "payment_id"))
        if t["person_roles"] is not None:
            joined = t["person_roles"].merge(self._pairs.get("company", empty).rename(columns={"id": "org_id"}),
                                             on="org_id")
            self._extend("person", _pairs(joined, "person_id"))

    def _extend(self, typ: str, more: pd.DataFrame) -> None:
        self._pairs[typ] = pd.concat([self._pairs.get(typ, more.iloc[:0]), more]).drop_duplicates()

    @cached_property
    def _lookup(self) -> dict[str, dict[str, frozenset[str]]]:
        return {typ: {k: frozenset(v) for k, v in df.groupby("id")["region"]} for typ, df in self._pairs.items()}

    def regions(self, entity_type: str, entity_id: object) -> frozenset[str]:
        """The regions of one entity (empty if unknown)."""
        return self._lookup.get(entity_type, {}).get(str(entity_id), frozenset())

    def ids_in(self, entity_type: str, region_code: str) -> set[str]:
        """Every id of ``entity_type`` that lies in ``region_code``."""
        df = self._pairs.get(entity_type)
        return set() if df is None else set(df.loc[df["region"] == region_code, "id"])

    def finding_regions(self, finding: dict) -> frozenset[str]:
        """The regions of a finding (a dict as in findings.jsonl): see the module docstring."""
        entities = finding.get("entities") or []
        anchored = [e for e in entities if e["type"] in ("lot", "project")] or entities
        out: set[str] = set()
        for e in anchored:
            out |= self.regions(e["type"], e["id"])
        return frozenset(out)


@dataclass(frozen=True)
class Scope:
    """What one user may see: ``region_code`` None = everything (city staff)."""
    region_code: str | None = None

    @classmethod
    def of(cls, user) -> "Scope":
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

    def filter_table(self, name: str, df: pd.DataFrame, index: RegionIndex,
                     column: str | None = None, entity_type: str | None = None) -> pd.DataFrame:
        """Keep the rows of a bundle table (or any table with ``column`` holding ids of
        ``entity_type``) that lie in the scope's region.

        Raises ``KeyError`` for a table it does not know how to place, rather than leaking it.
        """
        if self.is_all:
            return df
        if column is None:
            if name not in TABLE_LINKS:
                raise KeyError(f"no region rule for table {name!r}; pass column and entity_type")
            column, entity_type = TABLE_LINKS[name]
        visible = index.ids_in(entity_type, self.region_code)
        return df[df[column].astype(str).isin(visible)]

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
            typ = LABEL_TYPES.get(label)
            if typ is None:
                unplaced.add(node["id"])
            elif self.region_code in index.regions(typ, key):
                kept.add(node["id"])
        edges = subgraph.get("edges", [])
        for e in edges:
            a, b = e["source"], e["target"]
            if a in unplaced and b in kept or b in unplaced and a in kept:
                kept.add(a if a in unplaced else b)
        return {"nodes": [n for n in subgraph.get("nodes", []) if n["id"] in kept],
                "edges": [e for e in edges if e["source"] in kept and e["target"] in kept]}
