"""Recording the office's public keys in the cases store (table ``office_keys``; read back
with :func:`bidgraph.cases.audit.recorded_keys`).

Recording a key is an admin's act and audited (``key.add``). A new key is added beside the
old ones (rotation): signatures made with an old key stay verifiable by its recorded public
key. The recorded keys are a convenience for checks inside the workspace; someone who can
write the workspace can also write this table, so a check that must hold against them uses
the public key file the office handed out (``--public-key``) and compares fingerprints.
"""

from __future__ import annotations

from bidgraph.cases import audit
from bidgraph.cases.db import CasesStore
from bidgraph.cases.signing import PublicKey
from bidgraph.cases.users import User, require

__all__ = ["record_key", "list_keys"]


def record_key(store: CasesStore, actor: User, key: PublicKey) -> bool:
    """Record ``key`` as one of the office's public keys; False when it was recorded already."""
    require(actor, "key.manage")
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM office_keys WHERE fingerprint = ?", (key.fingerprint,)).fetchone():
            return False
        conn.execute(
            "INSERT INTO office_keys (fingerprint, public_pem, added_at, added_by) VALUES (?, ?, ?, ?)",
            (key.fingerprint, key.pem, store.now(), actor.name),
        )
        audit.append(conn, store, actor.name, "key.add", {"fingerprint": key.fingerprint})
    return True


def list_keys(store: CasesStore) -> list[dict]:
    """Every recorded key: fingerprint, added_at, added_by (oldest first)."""
    rows = store.connection().execute("SELECT fingerprint, added_at, added_by FROM office_keys ORDER BY added_at")
    return [dict(r) for r in rows]
