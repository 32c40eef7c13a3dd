"""A complaint's documents recorded by SHA-256 (cases/complaint_documents.py): one history step
and audit entry, hashes checked, and nothing of a complaint outside the actor's region."""

from __future__ import annotations

from datetime import date

import pytest
from test_cases_world import clock, index, people, store  # noqa: F401

from bidgraph.cases import complaint_documents, complaints
from bidgraph.cases.supervision import Unseen
from bidgraph.errors import InputError

SHA = "ef" * 32


def test_documents_are_a_step_of_the_complaint(store, people, index):
    city = people["city"]
    item = complaints.add_complaint(
        store, city, complaints.Intake("challenge", "评审不公", date(2026, 3, 2), "L2"), index
    )
    done = complaint_documents.attach(store, city, item["id"], [SHA.upper(), SHA])
    (step,) = [e for e in done["events"] if e["kind"] == "complaint.documents"]
    assert step["detail"] == {"documents": [SHA]}
    last = store.connection().execute("SELECT action FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert last == "complaint.documents"
    with pytest.raises(InputError, match="SHA-256"):
        complaint_documents.parse_hashes("not-a-hash")
    with pytest.raises(Unseen):
        complaint_documents.attach(store, people["west"], item["id"], [SHA])  # L2 lies in the east
    denied = store.connection().execute("SELECT action FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert denied == "denied"
