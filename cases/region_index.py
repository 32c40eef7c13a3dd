"""Which regions each entity lies in (the rules are :mod:`bidgraph.cases.scope`'s), built once
per graph version with Arrow and numpy and kept on disk beside the version.

Per entity type the index is three arrays: the ids, sorted (Arrow strings, an id's code its
position, found by binary search), and for each id its regions as a run of region codes
(``codes[offsets[i]:offsets[i + 1]]``, into the sorted region codes). :func:`build_arrays`
spreads regions from projects along :data:`PLACEMENT_RULES` as integer joins, no Python loop
over rows; :meth:`RegionIndex.kept` keeps the arrays beside the graph version
(``<version>/region_index/``, :mod:`bidgraph.graph.firm_disk`), so only the first process after
a load builds them and every later one memory-maps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.graph import firm_disk
from bidgraph.graph.firm_tables import Keys, distinct_sorted, sorted_codes, text_array

__all__ = ["RegionIndex", "build_arrays", "has_regions", "PLACEMENT_RULES", "NAMED", "FORMAT"]

KIND = "region_index"
# Of the arrays kept on disk: a change to build_arrays (or to the rules it follows) needs a new one,
# so that copies kept by the old build are never read again.
FORMAT = "r1"

# How regions spread from projects, in order: (table, column to join on, entity type already
# placed there, {column of the table: entity type it places}).
PLACEMENT_RULES = (
    ("lots", "project_id", "project", {"lot_id": "lot"}),
    ("bids", "lot_id", "lot", {"bid_id": "bid", "org_id": "company"}),
    ("bid_members", "bid_id", "bid", {"org_id": "company"}),
    ("contracts", "lot_id", "lot", {"contract_id": "contract", "org_id": "company"}),
    ("site_personnel", "lot_id", "lot", {"person_id": "person"}),
    ("expert_scores", "lot_id", "lot", {"expert_id": "expert"}),
    ("bid_uploads", "bid_id", "bid", {"ip": "ip", "mac": "device", "hardware_id": "device"}),
    ("bid_documents", "bid_id", "bid", {"fingerprint": "document", "file_sha256": "document"}),
    ("payments", "contract_id", "contract", {"payment_id": "payment"}),
    ("person_roles", "org_id", "company", {"person_id": "person"}),
)
# Tables whose names a cut finding must not show of elsewhere: (table, id column, node label).
NAMED = (
    ("organizations", "org_id", "Organization"),
    ("persons", "person_id", "Person"),
    ("experts", "expert_id", "Expert"),
    ("projects", "project_id", "Project"),
    ("lots", "lot_id", "Lot"),
)
_PROJECT_REGIONS = (("project_id", "project"), ("tenderer_id", "company"), ("agency_id", "company"))

Arrays = dict[str, Any]  # name -> np.ndarray or pa.Array
Pairs = tuple[pa.Array, np.ndarray]  # ids and their region codes, one pair per row


def _table(tables, name: str):
    df = tables[name] if not isinstance(tables, Mapping) or name in tables else None
    return df if df is not None and len(df) else None


def has_regions(tables) -> bool:
    """Whether ``tables`` (a snapshot) place anything in a region."""
    projects = _table(tables, "projects")
    return projects is not None and "region_code" in projects and bool(projects["region_code"].notna().any())


def build_arrays(tables) -> Arrays:
    """The arrays of a :class:`RegionIndex` from ``tables`` (a ``Snapshot`` or a mapping of table
    name -> DataFrame, missing tables empty)."""
    out: Arrays = _names(tables)
    projects = _table(tables, "projects")
    if projects is None or "region_code" not in projects:
        return {**out, "regions": pa.array([], pa.large_string())}
    region_text = text_array(projects["region_code"])
    region_code, out["regions"] = sorted_codes(region_text.fill_null(""))
    has_region = region_text.is_valid().to_numpy(zero_copy_only=False)
    found: dict[str, list[Pairs]] = {}
    for col, typ in _PROJECT_REGIONS:
        if col in projects:
            found.setdefault(typ, []).append(_pairs(text_array(projects[col]), region_code, has_region))
    grouped: dict[str, tuple[int, Arrays]] = {}  # entity type -> (parts of found grouped, the groups)

    def groups(typ: str) -> Arrays:
        if grouped.get(typ, (0,))[0] != len(found[typ]):
            grouped[typ] = (len(found[typ]), _group(found[typ]))
        return grouped[typ][1]

    for name, key, placed_by, places in PLACEMENT_RULES:
        df = _table(tables, name)
        if df is None or placed_by not in found or key not in df:
            continue
        rows, codes = _join(text_array(df[key]), groups(placed_by))
        for col, typ in places.items():
            if col in df:
                ids = text_array(df[col]).take(pa.array(rows))
                found.setdefault(typ, []).append(_pairs(ids, codes, np.ones(len(rows), bool)))
    for typ in found:
        out.update({f"{typ}.{part}": array for part, array in groups(typ).items()})
    return out


def _pairs(ids: pa.Array, codes: np.ndarray, keep: np.ndarray) -> Pairs:
    """(id, region code) rows without a blank id or region."""
    keep = keep & ids.is_valid().to_numpy(zero_copy_only=False)
    return ids.filter(pa.array(keep)), codes[keep]


def _group(pairs: list[Pairs]) -> Arrays:
    """Distinct pairs grouped by id: sorted ids, and the region codes of each as a run."""
    id_codes, keys = sorted_codes(pa.concat_arrays([p[0] for p in pairs]))
    regions = np.concatenate([p[1] for p in pairs]).astype(np.int64)
    width = int(regions.max()) + 1 if len(regions) else 1
    distinct = distinct_sorted(id_codes * width + regions)  # each (id, region) once, sorted by id
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(np.bincount(distinct // width, minlength=len(keys)), out=offsets[1:])
    return {"keys": keys, "offsets": offsets, "codes": (distinct % width).astype(np.int32)}


def _join(keys: pa.Array, placed: Arrays) -> tuple[np.ndarray, np.ndarray]:
    """For each row whose key is placed, one (row, region code) per region of its key."""
    code = pc.index_in(keys, value_set=placed["keys"]).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(~np.isnan(code)) if code.dtype.kind == "f" else np.arange(len(code))
    code = code[rows].astype(np.int64)
    offsets = placed["offsets"]
    starts, counts = offsets[code], offsets[code + 1] - offsets[code]
    repeated = np.repeat(rows, counts)
    within = np.arange(len(repeated)) - np.repeat(np.cumsum(counts) - counts, counts)
    return repeated, np.asarray(placed["codes"])[np.repeat(starts, counts) + within]


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _names(tables) -> Arrays:
    """``Label:key`` -> name of the :data:`NAMED` tables, sorted by key (the last name of a key kept)."""
    keys, names = [], []
    for name, key, label in NAMED:
        df = _table(tables, name)
        if df is not None and "name" in df and key in df:
            ids, named = text_array(df[key]), text_array(df["name"])
            known = pc.and_(ids.is_valid(), named.is_valid())
            keys.append(pc.binary_join_element_wise(_large(f"{label}:"), ids.filter(known), _large("")))
            names.append(named.filter(known))
    if not keys:
        empty = pa.array([], pa.large_string())
        return {"names.keys": empty, "names.values": empty}
    codes, distinct = sorted_codes(pa.concat_arrays(keys))
    last = np.empty(len(distinct), dtype=np.int64)
    last[codes] = np.arange(len(codes))
    return {"names.keys": distinct, "names.values": pa.concat_arrays(names).take(pa.array(last))}


class Names:
    """``Label:key`` -> name, what a cut finding must not show of elsewhere."""

    def __init__(self, keys: pa.Array, values: pa.Array):
        self._keys, self._values = Keys(keys), values

    def get(self, uid: str, default: str | None = None) -> str | None:
        code = self._keys.code(uid)
        return default if code is None else self._values[code].as_py()


class RegionIndex:
    """Which regions each entity lies in.

    Parameters
    ----------
    tables : a ``Snapshot`` or a mapping of table name -> DataFrame (missing tables = empty);
        built now. :meth:`kept` opens (or builds and keeps) the index of a graph version instead.
    """

    def __init__(self, tables) -> None:
        self._open(build_arrays(tables))

    @classmethod
    def kept(cls, view) -> RegionIndex:
        """The index of ``view`` (a :class:`~bidgraph.cases.scoped_store.DerivedView` of the whole
        graph), read from beside its graph version or built and kept there first."""
        index = cls.__new__(cls)
        index._open(firm_disk.kept(view, FORMAT, build_arrays, KIND))
        return index

    def _open(self, arrays: Arrays) -> None:
        self._arrays = arrays
        self.names = Names(arrays["names.keys"], arrays["names.values"])
        self._region_codes = arrays["regions"].to_pylist()

    @cached_property
    def _types(self) -> dict[str, tuple[Keys, np.ndarray, np.ndarray]]:
        types = {name.partition(".")[0] for name in self._arrays if name.endswith(".offsets")}
        return {
            t: (Keys(self._arrays[f"{t}.keys"]), self._arrays[f"{t}.offsets"], self._arrays[f"{t}.codes"])
            for t in types
        }

    def regions(self, entity_type: str, entity_id: object) -> frozenset[str]:
        """The regions of one entity (empty if unknown)."""
        placed = self._types.get(entity_type)
        code = None if placed is None else placed[0].code(str(entity_id))
        if code is None:
            return frozenset()
        _, offsets, codes = placed  # type: ignore[misc]
        return frozenset(self._region_codes[c] for c in codes[offsets[code] : offsets[code + 1]])

    def ids_in(self, entity_type: str, region_code: str) -> set[str]:
        """Every id of ``entity_type`` that lies in ``region_code``."""
        placed = self._types.get(entity_type)
        if placed is None or region_code not in self._region_codes:
            return set()
        keys, offsets, codes = placed
        rows = np.flatnonzero(np.asarray(codes) == self._region_codes.index(region_code))
        return set(keys.take(np.unique(np.searchsorted(offsets, rows, side="right") - 1)))

    def finding_regions(self, finding: dict) -> frozenset[str]:
        """The regions of a finding (a dict as in findings.jsonl): see :mod:`bidgraph.cases.scope`."""
        entities = finding.get("entities") or []
        anchored = [e for e in entities if e["type"] in ("lot", "project")] or entities
        out: set[str] = set()
        for e in anchored:
            out |= self.regions(e["type"], e["id"])
        return frozenset(out)
