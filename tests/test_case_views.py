"""Named canvases kept with a case (cases/views.py): saved with positions, listed, restored
exactly; a county user restoring a view gets only their region's nodes, the rest counted and
the refusal audited; write permission and case scope checked and audited."""

from __future__ import annotations

import json

import pytest
from test_cases_world import clock, finding, index, people, store  # noqa: F401  (fixtures)

from bidgraph.cases import audit, cases, views
from bidgraph.cases.users import AccessDenied
from bidgraph.errors import InputError, NotFound


def node(uid: str, x: float, y: float) -> dict:
    return {"data": {"id": uid, "label": uid, "type": uid.split(":")[0]}, "classes": "", "position": {"x": x, "y": y}}


def link(a: str, b: str) -> dict:
    return {"data": {"id": f"{a}|CO_BID|{b}", "source": a, "target": b, "type": "CO_BID"}, "classes": "firm"}


CANVAS = [
    node("Organization:ORG1", 0.0, 0.0),  # west
    node("Organization:ORG2", 110.0, 0.0),  # west and east
    node("Organization:ORG3", 220.0, 15.5),  # east
    dict(node("Lot:L2", 0.0, 110.0), classes="hidden"),  # east
    link("Organization:ORG1", "Organization:ORG2"),
    link("Organization:ORG2", "Organization:ORG3"),
]


@pytest.fixture
def case(store, people, index):
    """A city case on both counties' rings."""
    found = [finding("F1", "L1", "ORG1", "ORG2"), finding("F2", "L2", "ORG2", "ORG3")]
    return cases.create_case(store, people["city"], "两区围标", found, index=index)["id"]


def _entries(store, action: str) -> list[dict]:
    rows = store.connection().execute("SELECT user, detail FROM audit WHERE action = ? ORDER BY seq", (action,))
    return [{"user": r["user"], **json.loads(r["detail"])} for r in rows]


def test_a_saved_view_restores_exactly_positions_classes_and_links(store, people, index, case):
    saved = views.save_view(store, people["city"], case, "两区关系图", CANVAS, index=index)
    assert saved == {"case": case, "name": "两区关系图", "nodes": 4, "dropped": 0, "replaced": False}
    opened = views.open_view(store, people["admin"], case, "两区关系图")
    assert opened["elements"] == CANVAS and opened["left_out"] == 0
    assert [v["name"] for v in views.list_views(store, people["admin"], case)] == ["两区关系图"]
    assert _entries(store, "case.view.save")[0] == {
        "user": "city",
        "case": case,
        "view": "两区关系图",
        "nodes": 4,
        "dropped": 0,
        "replaced": False,
    }
    assert _entries(store, "case.view.open")[0]["user"] == "admin"
    assert audit.verify(store).ok


def test_saving_again_under_a_name_replaces_the_view(store, people, index, case):
    views.save_view(store, people["city"], case, "v", CANVAS, index=index)
    again = views.save_view(store, people["city"], case, "v", CANVAS[:1], index=index)
    assert again["replaced"] and again["nodes"] == 1
    assert views.open_view(store, people["city"], case, "v")["elements"] == CANVAS[:1]
    assert len(views.list_views(store, people["city"], case)) == 1


def test_a_county_user_restores_only_their_regions_nodes_and_the_rest_is_audited(store, people, index, case):
    views.save_view(store, people["city"], case, "全市视图", CANVAS, index=index)
    assert views.list_views(store, people["west"], case)[0]["nodes"] == 2
    opened = views.open_view(store, people["west"], case, "全市视图")
    assert opened["elements"] == [CANVAS[0], CANVAS[1], CANVAS[4]]
    assert opened["left_out"] == 2
    assert "ORG3" not in json.dumps(opened) and "L2" not in json.dumps(opened)
    denied = _entries(store, "denied")
    assert denied == [{"user": "west", "case": case, "view": "全市视图", "nodes": 2, "action": "open_view"}]


def test_a_county_user_cannot_save_nodes_of_another_county(store, people, index, case):
    saved = views.save_view(store, people["west"], case, "西区", CANVAS, index=index)
    assert (saved["nodes"], saved["dropped"]) == (2, 2)
    opened = views.open_view(store, people["city"], case, "西区")
    assert {e["data"]["id"] for e in opened["elements"]} == {
        "Organization:ORG1",
        "Organization:ORG2",
        "Organization:ORG1|CO_BID|Organization:ORG2",
    }


def test_write_permission_and_case_scope_are_checked_and_refusals_audited(store, people, index):
    west_only = cases.create_case(store, people["city"], "西区", [finding("F1", "L1", "ORG1", "ORG2")], index=index)
    with pytest.raises(AccessDenied):
        views.save_view(store, people["viewer"], west_only["id"], "v", CANVAS, index=index)
    with pytest.raises(NotFound):
        views.save_view(store, people["east"], west_only["id"], "v", CANVAS, index=index)
    with pytest.raises(NotFound):
        views.open_view(store, people["east"], west_only["id"], "v")
    assert [(e["user"], e["action"]) for e in _entries(store, "denied")] == [
        ("east", "save_view"),
        ("east", "open_view"),
    ]
    with pytest.raises(AccessDenied):  # a county user's view needs the regions
        views.save_view(store, people["west"], west_only["id"], "v", CANVAS)
    with pytest.raises(InputError):
        views.save_view(store, people["city"], west_only["id"], "  ", CANVAS, index=index)
    with pytest.raises(InputError):
        views.save_view(store, people["city"], west_only["id"], "v", [{"nodata": 1}], index=index)
    with pytest.raises(NotFound):
        views.open_view(store, people["city"], west_only["id"], "no such view")
    assert audit.verify(store).ok
