"""The explorer's canvas kept with a case, through the workbench's cases desk (real sessions,
real scoped stores): a view saved on the open case comes back exactly for the city, cut to the
west for a west investigator (the rest counted in the message), listed on the case page with
"open in the canvas", and refused to a viewer."""

from __future__ import annotations

import pytest
from test_cases_world import PASSWORD, clock, finding, load_world, people, store, world_tables  # noqa: F401

from bidgraph.cases import cases, users
from bidgraph.cases.scope import RegionIndex
from bidgraph.cases.scoped_store import RegionViews
from bidgraph.cases.users import AccessDenied
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.canvas_case import case_views_section, view_request
from bidgraph.workbench.canvas_ops import open_case_view, save_case_view
from bidgraph.workbench.casedesk import CaseDesk
from bidgraph.workbench.data import WorkbenchData

CANVAS = [
    {"data": {"id": u, "label": u, "type": "Organization"}, "classes": "", "position": {"x": x, "y": 0.0}}
    for u, x in (("Organization:ORG1", 0.0), ("Organization:ORG2", 110.0), ("Organization:ORG3", 220.0))
] + [
    {
        "data": {
            "id": "Organization:ORG2|CO_BID|Organization:ORG3",
            "source": "Organization:ORG2",
            "target": "Organization:ORG3",
            "type": "CO_BID",
            "label": "共同投标1个标段·中标1次",
            "props": {"lots": ["L2"], "wins": 1},
        },
        "classes": "firm",
    }
]


@pytest.fixture
def desk_for(tmp_path, store, people):
    load_world(tmp_path / "ws")
    graph = EmbeddedStore(tmp_path / "ws")

    def make(name: str) -> WorkbenchData:
        session = users.login(store, name, PASSWORD)
        views = RegionViews(graph, store, lambda: session.user)
        desk = CaseDesk(store, views.regions, lambda: (session.token, session.csrf_token))
        return WorkbenchData(views.store(session.user.region_code), desk)

    return make


def _text(component) -> str:
    return str(component.children)


def test_a_view_saved_on_the_open_case_is_listed_and_restored_in_each_users_scope(desk_for, store, people):
    found = [finding("F1", "L1", "ORG1", "ORG2"), finding("F2", "L2", "ORG2", "ORG3")]
    case_id = cases.create_case(store, people["city"], "两区围标", found, index=RegionIndex(world_tables()))["id"]
    city = desk_for("city")
    msg = save_case_view(city, case_id, "两区关系", CANVAS, "zh")
    assert f"视图“两区关系”已保存到案件 {case_id}（3 个节点）" in _text(msg)

    elements, msg = open_case_view(city, case_id, "两区关系", "zh")
    assert elements == CANVAS and "msg-info" in msg.className

    west = desk_for("west")
    section = case_views_section(west, case_id, "zh")
    assert "两区关系 · city · " in str(section) and "2 个节点" in str(section) and "在图谱中打开" in str(section)
    elements, msg = open_case_view(west, case_id, "两区关系", "en")
    assert [e["data"]["id"] for e in elements] == ["Organization:ORG1", "Organization:ORG2"]
    assert [e["position"] for e in elements] == [CANVAS[0]["position"], CANVAS[1]["position"]]
    assert "1 nodes no longer exist or lie outside your region" in _text(msg)
    assert view_request(case_id, "两区关系")["view"] == {"case": case_id, "name": "两区关系"}

    with pytest.raises(AccessDenied):
        desk_for("viewer").cases.save_view(case_id, "v", CANVAS)
    actions = [r["action"] for r in store.connection().execute("SELECT action FROM audit WHERE user = 'west'")]
    assert "case.view.open" in actions and "denied" in actions


def test_a_group_on_the_canvas_round_trips_through_a_case_view(desk_for, store, people):
    from bidgraph.workbench import canvas_groups

    found = [finding("F1", "L1", "ORG1", "ORG2"), finding("F2", "L2", "ORG2", "ORG3")]
    case_id = cases.create_case(store, people["city"], "两区围标", found, index=RegionIndex(world_tables()))["id"]
    grouped, _ = canvas_groups.group(CANVAS, {"Organization:ORG2", "Organization:ORG3"}, "乙丙")
    folded, _ = canvas_groups.collapse(canvas_groups.refold(grouped, "zh"), {"group:1"})
    folded = canvas_groups.refold(folded, "zh")
    city = desk_for("city")
    save_case_view(city, case_id, "分组视图", folded, "zh")
    elements, _ = open_case_view(city, case_id, "分组视图", "zh")
    assert elements == folded  # the group, its collapsed position, folded members and summary edges

    west = desk_for("west")  # ORG3 lies in the east: the group keeps its west member only
    elements, _ = open_case_view(west, case_id, "分组视图", "zh")
    shown = {e["data"]["id"]: e for e in elements}
    assert set(shown) == {"group:1", "Organization:ORG1", "Organization:ORG2"}
    assert shown["group:1"]["data"]["label"] == "乙丙（1）" and shown["group:1"]["position"]
    assert "folded" in shown["Organization:ORG2"]["classes"]
