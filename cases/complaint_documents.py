"""The documents of a complaint or challenge (投诉、质疑材料), recorded by SHA-256: the files
themselves are not stored. Each call is one history step of the complaint
(``complaint.documents``) and one audit entry; the hashes show in its history."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bidgraph.cases import complaints
from bidgraph.cases.db import CasesStore
from bidgraph.cases.supervision import Event, record_step, require_action
from bidgraph.cases.users import User
from bidgraph.errors import InputError

__all__ = ["SHA256", "parse_hashes", "attach"]

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def parse_hashes(text: str | None) -> list[str]:
    """SHA-256 hex digests written one per line (or separated by spaces or commas)."""
    hashes = [h.lower() for h in re.split(r"[\s,，]+", text or "") if h]
    bad = [h for h in hashes if not SHA256.match(h)]
    if bad:
        raise InputError(f"not a SHA-256 (64 hex digits): {bad[0][:70]} / 材料哈希应为64位十六进制")
    return list(dict.fromkeys(hashes))


def attach(store: CasesStore, actor: User, complaint_id: str, hashes: Sequence[str]) -> dict:
    """Record the SHA-256 of the complaint's documents; returns the complaint."""
    require_action(actor, "complaint.intake")
    hashes = parse_hashes(" ".join(hashes))
    if not hashes:
        raise InputError("no document hash given / 未填写材料哈希")
    complaints.get_complaint(store, actor, complaint_id)  # seen by the actor, else refused and audited
    with store.transaction() as conn:
        record_step(conn, store, actor, Event("complaint.documents", complaint_id, {"documents": hashes}))
    return complaints.get_complaint(store, actor, complaint_id)
