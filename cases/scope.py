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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from bidgraph.graph.schema import schema

__all__ = ["Scope", "RegionIndex", "LABEL_TYPES", "TABLE_LINKS", "PLACEMENT_RULES"]

# Graph node label (role labels included) -> entity type: bundle.md's entity types plus bid and
# payment (graph/schema.toml [entity_types]).
LABEL_TYPES = schema().label_entity_types
# Bundle table -> (column, entity type) whose regions a row is in.
TABLE_LINKS = {
    "projects": ("project_id", "project"),
    "lots": ("lot_id", "lot"),
    "bids": ("lot_id", "lot"),
    "bid_uploads": ("bid_id", "bid"),
    "bid_documents": ("bid_id", "bid"),
    "expert_scores": ("lot_id", "lot"),
    "scores": ("lot_id", "lot"),
    "contracts": ("lot_id", "lot"),
    "payments": ("contract_id", "contract"),
    "site_personnel": ("lot_id", "lot"),
    "organizations": ("org_id", "company"),
    "persons": ("person_id", "person"),
    "person_roles": ("org_id", "company"),
    "experts": ("expert_id", "expert"),
    "ocds_releases": ("ocid", "project"),  # the OCDS loader makes one project per ocid, keyed by it
}


# How regions spread from projects, in order: (table, column to join on, entity type already
# placed there, {column of the table: entity type it places}).
PLACEMENT_RULES = (
    ("lots", "project_id", "project", {"lot_id": "lot"}),
    ("bids", "lot_id", "lot", {"bid_id": "bid", "org_id": "company"}),
    ("contracts", "lot_id", "lot", {"contract_id": "contract", "org_id": "company"}),
    ("site_personnel", "lot_id", "lot", {"person_id": "person"}),
    ("expert_scores", "lot_id", "lot", {"expert_id": "expert"}),
    ("bid_uploads", "bid_id", "bid", {"ip": "ip", "mac": "device", "hardware_id": "device"}),
    ("bid_documents", "bid_id", "bid", {"fingerprint": "document", "file_sha256": "document"}),
    ("payments", "contract_id", "contract", {"payment_id": "payment"}),
    ("person_roles", "org_id", "company", {"person_id": "person"}),
)


def _pairs(df: pd.DataFrame, id_col: str, region_col: str) -> pd.DataFrame:
    """Distinct (id, region) pairs from two columns, as strings, without blanks."""
    out = df[[id_col, region_col]].dropna().astype(str)
    out.columns = ["id", "region"]
    return out.drop_duplicates()


class RegionIndex:
    """Which regions each entity lies in, built once from the bundle tables of a snapshot.

    Parameters
    ----------
    tables : a ``Snapshot`` or a mapping of table name -> DataFrame (missing tables = empty).
    """

    def __init__(self, tables):
        def table(name: str) -> pd.DataFrame | None:
            df = tables[name] if not isinstance(tables, Mapping) or name in tables else None
            return df if df is not None and len(df) else None

        self._pairs: dict[str, pd.DataFrame] = {}
        projects = table("projects")
        if projects is None:
            return
        for col, typ in (("project_id", "project"), ("tenderer_id", "company"), ("agency_id", "company")):
            if col in projects:
                self._add(typ, _pairs(projects, col, "region_code"))
        for name, key, placed_by, places in PLACEMENT_RULES:
            df, placed = table(name), self._pairs.get(placed_by)
            if df is None or placed is None or key not in df:
                continue
            joined = df.astype({key: str}).merge(placed.rename(columns={"id": key}), on=key)
            for col, typ in places.items():
                if col in joined:
                    self._add(typ, _pairs(joined, col, "region"))

    def _add(self, typ: str, pairs: pd.DataFrame) -> None:
        known = self._pairs.get(typ)
        self._pairs[typ] = pairs if known is None else pd.concat([known, pairs]).drop_duplicates()

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
        if self.is_all:
            return df
        if column is None:
            if name not in TABLE_LINKS:
                raise KeyError(f"no region rule for table {name!r}; pass column and entity_type")
            column, entity_type = TABLE_LINKS[name]
        if entity_type is None:
            raise KeyError(f"column {column!r} of table {name!r} needs its entity_type")
        visible = index.ids_in(entity_type, self.region_code or "")
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
