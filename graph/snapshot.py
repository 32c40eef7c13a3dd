"""What detectors read: the validated bundle tables of one load, as pandas DataFrames.

A snapshot is immutable input for a batch; detectors are pure functions of it. Every table of
the schema is present (an optional table that was not supplied is empty, with its columns),
ids are strings, dates are ``datetime64``, and each row keeps ``_file`` and ``_row``: where it
came from, for evidence.

``version`` names the graph version the tables were read from (the embedded store's version
folder, the Neo4j store's load content hash; ``None`` for a hand-made snapshot). Findings
belong to the version they were computed on: a store refuses to save them once another version
is live (see ``GraphStore.save_findings``).

``derived(key, make)`` keeps what several detectors of one batch compute from the same tables
(the bids joined with their lots and projects, the co-bidding projection): made once per
snapshot, shared read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bidgraph.graph.schema import schema

__all__ = ["Snapshot", "empty_table", "PROVENANCE"]

PROVENANCE = ("_file", "_row")


def empty_table(name: str) -> pd.DataFrame:
    cols = list(schema().tables[name].columns) + list(PROVENANCE)
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    version: str | None = None
    _derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def derived(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed on the first call with ``key`` and kept with the snapshot; the
        caller must not modify what it gets (hand out a copy when it may)."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in schema().tables:
            raise KeyError(f"no table {name!r} in the schema")
        t = self.tables.get(name)
        return empty_table(name) if t is None else t

    def __contains__(self, name: str) -> bool:
        t = self.tables.get(name)
        return t is not None and len(t) > 0
