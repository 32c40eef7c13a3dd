"""Entity resolution: the same organization or person entered under several ids becomes one.

Organizations are the same when they share a *valid* USCC (the check digit is right), or when
their normalised names are equal (:func:`normalise_name`) and the rows carry no two different
valid USCCs. Persons are the same when they share a valid resident ID number (names alone are
far too common). Links are transitive: rows linked by any chain form one entity.

The first row of an entity (in file order) is kept: its id stays, its empty cells are filled
from the merged rows, and its ``merged_ids`` column lists the other ids (``;``-separated). The
merged rows leave the table and are listed in ``Bundle.merges``; every reference to a merged id
in the other tables is rewritten to the kept id.

Resolving again tables that were resolved before (an append: the live graph's rows followed by
the new export's) keeps the ``merged_ids`` already listed, adds the new ones after them, and
rewrites references to any listed id, so a new row that names an id merged last month points
at the kept node too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from bidgraph.graph.schema import schema
from bidgraph.loaders.model import MERGE_COLUMNS, merge_frame
from bidgraph.loaders.values import NFKC_MAY_CHANGE, arrow_text, cells_holding, idcard_ok, uscc_ok

__all__ = ["resolve_entities", "normalise_name"]

_UNTOUCHED = {"_file", "_row", "merged_ids"}


def normalise_name(names: pd.Series) -> pd.Series:
    """Organization names as compared for resolution.

    NFKC (full-width → half-width), Chinese brackets （）【】 → (), all spaces removed, Latin
    letters lower-cased, and 有限责任公司 written 有限公司 (the same legal form: a limited
    liability company). 股份有限公司 (a joint-stock company, another legal form) stays distinct.
    """
    s = _where_held(names.astype("str"), NFKC_MAY_CHANGE, lambda some: some.str.normalize("NFKC")).str.lower()
    s = s.str.replace(r"[（【\[]", "(", regex=True).str.replace(r"[）】\]]", ")", regex=True)
    s = _where_held(s, _MAY_BE_SPACE, lambda some: some.str.replace(r"\s+", "", regex=True))
    return s.str.replace("有限责任公司", "有限公司", regex=False)


# Unicode's spaces are ASCII ones or characters NFKC may change (neither ASCII nor CJK ideographs)
_MAY_BE_SPACE = NFKC_MAY_CHANGE.copy()
_MAY_BE_SPACE[[*range(0x09, 0x0E), *range(0x1C, 0x21)]] = True


def _where_held(s: pd.Series, flagged: np.ndarray, change: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``change(s)``, applied only to the cells holding a byte that ``flagged`` flags (the
    others it leaves as they are): per name in Python, it took most of resolution's time."""
    some = cells_holding(arrow_text(s), flagged)
    if not some.any():
        return s
    s = s.copy()
    s.iloc[np.flatnonzero(some)] = change(s[some]).to_numpy()
    return s


def resolve_entities(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Merge duplicate organizations and persons; returns the new tables and the merges."""
    tables = dict(tables)
    merges = []
    for name, links in (("organizations", _organization_links), ("persons", _person_links)):
        if name not in tables:
            continue
        listed = _listed_merges(name, tables[name])
        table, merged = _merge(name, tables[name], links(tables[name]))
        tables[name] = table
        merges.append(merged)
        _rewrite_references(tables, name, listed | _listed_merges(name, table))
    merges = [m for m in merges if len(m)]
    return tables, (pd.concat(merges, ignore_index=True) if merges else merge_frame())


def _listed_merges(kind: str, table: pd.DataFrame) -> dict[str, str]:
    """Merged id to kept id, as the ``merged_ids`` column lists them."""
    key = schema().tables[kind].key
    if key is None or "merged_ids" not in table.columns:
        return {}
    listed = table.loc[table["merged_ids"].notna(), [key, "merged_ids"]]
    exploded = listed.assign(merged_ids=listed["merged_ids"].astype("str").str.split(";")).explode("merged_ids")
    return dict(zip(exploded["merged_ids"], exploded[key]))


def _valid(codes: pd.Series, ok) -> pd.Series:
    """The code where its check digit is right, else missing."""
    codes = codes.astype("str")
    return codes.where(ok(codes))


def _organization_links(orgs: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    uscc = _valid(orgs["uscc"], uscc_ok)
    name = normalise_name(orgs["name"])
    # A name shared by rows with two different valid USCCs names two companies: no name link.
    clash = uscc.groupby(name.to_numpy(), sort=False).transform("nunique").gt(1)
    return [(uscc, "same USCC"), (name.mask(clash), "same normalised name")]


def _person_links(persons: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    return [(_valid(persons["id_number"], idcard_ok), "same ID number")]


def _merge(kind: str, table: pd.DataFrame, links: list[tuple[pd.Series, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    key = schema().tables[kind].key
    table = table.reset_index(drop=True)
    if "merged_ids" not in table.columns:
        table = table.assign(merged_ids=None)
    n = len(table)
    ids = table[key]
    src_parts, dst_parts, reasons = [], [], pd.Series(np.nan, index=table.index, dtype="str")
    for values, label in links:
        pos = pd.Series(np.arange(n))[values.notna().to_numpy()]
        first, size = _first_and_size(pos, values.dropna(), n)
        linked = pos != first
        src_parts.append(pos[linked].to_numpy())
        dst_parts.append(first[linked].to_numpy())
        # Each row in a group of two or more says why, naming the group's first row.
        grouped = pos[(size > 1).to_numpy()].index
        why = label + " " + values[grouped] + " as " + ids[first[grouped].to_numpy()].to_numpy()
        reasons = reasons.fillna(why.astype("str"))
    src, dst = np.concatenate(src_parts), np.concatenate(dst_parts)
    if len(src) == 0:
        return table, merge_frame()
    # Imported only when rows link: SciPy's import is 0.4 s of the start-up of a daily append
    # that merges nothing.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    _, comp = connected_components(coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)), directed=False)
    kept = _first_and_size(pd.Series(np.arange(n)), pd.Series(comp), n)[0].to_numpy()
    merged = kept != np.arange(n)
    in_group = pd.Series(kept).duplicated(keep=False).to_numpy()
    group = table[in_group]
    fill = group.groupby(kept[in_group]).first()
    cols = [c for c in table.columns if c not in _UNTOUCHED and c != key]
    head = table.loc[fill.index, cols]
    table.loc[fill.index, cols] = head.where(head.notna(), fill[cols])
    # Every id a group's rows already listed, then the ids merged now, each in file order.
    listed = table["merged_ids"].astype(object).where(table["merged_ids"].notna(), None)
    names = [[*(str(m).split(";") if m is not None else [])] for m in listed]
    for row in np.flatnonzero(merged):
        names[kept[row]] += [ids[row], *names[row]]
    heads = np.unique(kept[merged])
    table["merged_ids"] = table["merged_ids"].astype(object)
    table.loc[heads, "merged_ids"] = [";".join(names[h]) for h in heads]
    record = pd.DataFrame(
        {
            "kind": kind,
            "kept_id": ids[kept[merged]].to_numpy(),
            "merged_id": ids[merged].to_numpy(),
            "reason": reasons[merged].astype(object).to_numpy(),
        }
    )[list(MERGE_COLUMNS)]
    return table[~merged].reset_index(drop=True), record.astype(object)


def _first_and_size(pos: pd.Series, values: pd.Series, n: int) -> tuple[pd.Series, pd.Series]:
    """Per row, the first position (of ``pos``) holding its value and how many hold it: a
    groupby's min and size, by hashing the values once instead of sorting them (a province's
    million ID numbers)."""
    codes, uniques = pd.factorize(values, sort=False)
    first = np.full(len(uniques), n, dtype=np.int64)
    np.minimum.at(first, codes, pos.to_numpy())
    size = np.bincount(codes, minlength=len(uniques))
    return pd.Series(first[codes], index=pos.index), pd.Series(size[codes], index=pos.index)


def _rewrite_references(tables: dict[str, pd.DataFrame], target: str, mapping: dict[str, str]) -> None:
    if not mapping:
        return
    for name, spec in schema().tables.items():
        if name not in tables:
            continue
        for col in spec.columns.values():
            if col.ref == target and col.name in tables[name].columns:
                s = tables[name][col.name]
                new = s.map(mapping)
                if new.notna().any():
                    tables[name] = tables[name].assign(**{col.name: new.where(new.notna(), s)})
