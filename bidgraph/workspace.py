"""Where a workspace lives: ``--workspace``, else ``$BIDGRAPH_WORKSPACE``, else ./bidgraph-workspace."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_NAME = "bidgraph-workspace"


def resolve_workspace(option: str | os.PathLike | None = None) -> Path:
    value = option or os.environ.get("BIDGRAPH_WORKSPACE") or DEFAULT_NAME
    return Path(value).expanduser().resolve()
