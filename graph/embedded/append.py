"""An append: the live graph's tables and a new export's, merged into the next version's.

- A table with a key: a new key adds a row; a live key is updated when a value the export
  carries differs (the live values become a history line; columns the export lacks keep their
  live values); equal values leave the live row, and its source, as they are. An updated row
  keeps its place, new rows follow the live ones, so entity resolution still keeps the first seen.
- A table without a key (person_roles, bid_uploads...): a new row equal in every value (not its
  source) to a live row is dropped; the others are added.
- Deletions: rows an export marks deleted (its ``deleted`` column; ``deletions``) and, for the
  tables named in ``delete_missing``, live rows the export does not hold, leave the graph as
  history lines. A deletion that would leave rows referring to a removed row is refused.

A history line: ``table, key, action (updated / deleted / missing), values`` (the live row
before, as JSON, with its source) ``, file, row`` (the source of those values), ``by_file,
by_row`` (the export row that replaced or deleted them), ``version`` (the version written by
that load) and ``at`` (when).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.errors import StoreError
from bidgraph.graph.embedded.reuse import first_rows_of, one_chunk
from bidgraph.graph.schema import Table, schema

__all__ = ["HISTORY_COLUMNS", "Merged", "merge_tables", "history_frame", "row_identity"]

HISTORY_COLUMNS = ("table", "key", "action", "values", "file", "row", "by_file", "by_row", "version", "at")
_SOURCE = ("_file", "_row")
#: Columns a store derives (the ids resolution merged): an export never overwrites them.
_DERIVED = ("merged_ids",)


@dataclass
class Merged:
    """The merged tables, the history lines this append adds, and per table what it did
    (``added, updated, unchanged, deleted``)."""

    tables: dict[str, pd.DataFrame]
    history: pd.DataFrame
    summary: dict[str, dict[str, int]]


def history_frame(rows: list[dict] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows or [], columns=list(HISTORY_COLUMNS))
    return frame.astype({c: "str" for c in HISTORY_COLUMNS if c not in ("row", "by_row")}).astype(
        {"row": "Int64", "by_row": "Int64"}
    )


def row_identity(spec: Table, frame: pd.DataFrame) -> pd.Series:
    """What names a row: its key, or for a table without one its required ids joined by ``|``
    (``P1|O1|legal_rep``)."""
    if spec.key is not None:
        return frame[spec.key].astype("str")
    ids = [c.name for c in spec.columns.values() if c.required and c.type in ("id", "enum")]
    out = frame[ids[0]].astype("str").fillna("")
    for col in ids[1:]:
        out = out + "|" + frame[col].astype("str").fillna("")
    return out


def merge_tables(
    live: dict[str, pd.DataFrame],
    new: dict[str, pd.DataFrame],
    deletions: pd.DataFrame,
    delete_missing: tuple[str, ...] = (),
    version: str = "",
    at: str = "",
) -> Merged:
    """Merge ``new`` (a validated export's tables) into ``live``; see the module's docstring.

    Raises
    ------
    StoreError
        ``delete_missing`` names a table the export does not hold, or a deletion would leave
        rows referring to a removed row.
    """
    tables = schema().tables
    absent = [t for t in delete_missing if t not in new]
    if absent:
        raise StoreError(
            f"--delete-missing {absent[0]}: this export has no {absent[0]} table, so every row would be removed; "
            f"nothing was loaded / 本次导出没有 {absent[0]} 表，未加载"
        )
    out, lines, summary = dict(live), [], {}
    for name in sorted(set(live) | set(new), key=lambda n: list(tables).index(n) if n in tables else len(tables)):
        spec = tables.get(name)
        if spec is None or name not in new:
            continue
        stamp = {"version": version, "at": at}
        merged, history, counts = _merge_one(spec, live.get(name), new[name], stamp)
        gone = deletions[deletions["table"] == name] if len(deletions) else deletions
        merged, dropped = _delete(spec, merged, gone, new[name] if name in delete_missing else None, stamp)
        out[name] = merged
        lines += history + dropped
        summary[name] = {**counts, "deleted": len(dropped)}
    history = history_frame(lines)
    _refuse_dangling(out, history[history["action"] != "updated"])
    return Merged(out, history, summary)


def _arrow(values: pd.Series) -> pa.Array:
    text = pa.array(values.astype("str"), type=pa.large_string())
    return one_chunk(text)


def _among(values: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Which ``values`` (as text; missing matches missing) are among ``wanted``."""
    return pc.is_in(_arrow(values), value_set=_arrow(wanted)).to_numpy(zero_copy_only=False)


def _comparable(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return frame[columns].astype("str").fillna("\0").to_numpy()


def _merge_one(
    spec: Table, live: pd.DataFrame | None, new: pd.DataFrame, stamp: dict
) -> tuple[pd.DataFrame, list[dict], dict[str, int]]:
    if live is None or len(live) == 0:
        return new.reset_index(drop=True), [], {"added": len(new), "updated": 0, "unchanged": 0}
    values = [c for c in new.columns if c not in _SOURCE and c not in _DERIVED and c in live.columns]
    if spec.key is None:
        # Only live rows whose first value some new row holds can equal one: hash those, not all.
        near = live[_among(live[values[0]], new[values[0]])] if values else live
        seen = pd.util.hash_pandas_object(near[values].astype("str"), index=False)
        fresh = ~pd.util.hash_pandas_object(new[values].astype("str"), index=False).isin(seen).to_numpy()
        added = new[fresh]
        merged = pd.concat([live, added], ignore_index=True) if len(added) else live
        return merged, [], {"added": len(added), "updated": 0, "unchanged": int((~fresh).sum())}
    # Where each new key is among the live keys (they are unique), in Arrow: no Python objects.
    position = first_rows_of(_arrow(new[spec.key]), _arrow(live[spec.key]))
    known = position >= 0
    at = position[known].astype(np.int64)
    differs = (_comparable(live.iloc[at], values) != _comparable(new[known], values)).any(axis=1)
    changed, where = new[known][differs], at[differs]
    added = new[~known]
    if len(changed) == 0 and len(added) == 0:
        return live, [], {"added": 0, "updated": 0, "unchanged": len(at)}
    history = _lines(spec, live.iloc[where], "updated", changed, stamp)
    updated = changed.copy()
    for col in live.columns.difference(new.columns):  # kept: what this export does not carry
        updated[col] = live[col].iloc[where].to_numpy()
    if len(where) == 0:  # only new rows (a day's export): they follow the live ones
        merged = pd.concat([live, added], ignore_index=True)
    else:
        order = np.concatenate([np.delete(np.arange(len(live)), where), where, len(live) + np.arange(len(added))])
        merged = pd.concat([live.drop(index=live.index[where]), updated, added], ignore_index=True)
        merged = merged.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    return merged, history, {"added": len(added), "updated": len(changed), "unchanged": len(at) - len(changed)}


def _delete(
    spec: Table, table: pd.DataFrame, marked: pd.DataFrame, export: pd.DataFrame | None, stamp: dict
) -> tuple[pd.DataFrame, list[dict]]:
    """Remove the rows ``marked`` names, and with ``export`` those it does not hold."""
    if len(marked) == 0 and export is None:  # nothing to remove: no row needs naming
        return table, []
    identity = row_identity(spec, table)
    by = pd.DataFrame(columns=["_file", "_row"])
    gone = np.zeros(len(table), dtype=bool)
    if len(marked):
        named = row_identity(spec, marked)
        gone |= identity.isin(named).to_numpy()
        by = marked.set_index(named.to_numpy())[["_file", "_row"]]
        by = by[~by.index.duplicated()]
    lines = _lines(spec, table[gone], "deleted", by.reindex(identity[gone].to_numpy()), stamp)
    if export is not None:
        missing = ~identity.isin(row_identity(spec, export)).to_numpy() & ~gone
        lines += _lines(spec, table[missing], "missing", None, stamp)
        gone |= missing
    return (table[~gone].reset_index(drop=True), lines) if gone.any() else (table, [])


def _lines(spec: Table, before: pd.DataFrame, action: str, by: pd.DataFrame | None, stamp: dict) -> list[dict]:
    keys = row_identity(spec, before).tolist()
    records = json.loads(before.to_json(orient="records", date_format="iso", force_ascii=False))
    by_rows = by.to_dict("records") if by is not None else [{}] * len(records)
    return [
        {
            "table": spec.name,
            "key": key,
            "action": action,
            "values": json.dumps(record, ensure_ascii=False, sort_keys=True),
            "file": record.get("_file"),
            "row": record.get("_row"),
            "by_file": source.get("_file"),
            "by_row": None if pd.isna(source.get("_row")) else int(source["_row"]),
            **stamp,
        }
        for key, record, source in zip(keys, records, by_rows)
    ]


def _refuse_dangling(tables: dict[str, pd.DataFrame], removed: pd.DataFrame) -> None:
    """Refuse deletions that leave a row referring to a removed one."""
    if len(removed) == 0:
        return
    gone = removed.groupby("table")["key"].agg(set)
    for name, spec in schema().tables.items():
        for col in spec.columns.values():
            if col.ref not in gone.index or name not in tables or col.name not in tables[name].columns:
                continue
            refs = tables[name][col.name]
            dangling = refs[refs.isin(gone[col.ref])]
            if len(dangling):
                target = dangling.iloc[0]
                line = removed[(removed["table"] == col.ref) & (removed["key"] == target)].iloc[0]
                raise StoreError(
                    f"{line['by_file'] or col.ref}: row {line['by_row'] if pd.notna(line['by_row']) else '-'}: "
                    f"deleting {col.ref} {target} would leave {len(dangling)} {name} row(s) referring to it "
                    f"({col.name}); delete those too, or keep it; nothing was loaded "
                    f"/ 删除后仍有 {name} 引用该记录，未加载"
                )
