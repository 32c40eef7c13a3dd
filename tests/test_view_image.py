"""The pack's picture of a saved canvas draws what the investigator saw: hidden nodes, the
members a collapsed group folds away and an expanded group's box leave no mark."""

from bidgraph.cases.view_image import render_view


def node(uid, x, y, classes="", **data):
    return {
        "data": {"id": uid, "label": uid, "type": "Organization", **data},
        "position": {"x": x, "y": y},
        "classes": classes,
    }


def link(source, target, classes=""):
    return {"data": {"id": f"{source}-{target}", "source": source, "target": target}, "classes": classes}


SEEN = [node("甲公司", 0, 0), node("乙公司", 300, 120), link("甲公司", "乙公司", "won")]


def test_hidden_and_folded_elements_and_an_open_group_box_leave_no_mark():
    unseen = [
        node("丙公司", 900, 900, "hidden"),
        node("丁公司", -500, 40, "folded", group="group:1"),
        link("甲公司", "丁公司", "folded"),
        {"data": {"id": "group:2", "type": "Group", "name": "围标组", "collapsed": False}, "classes": "group"},
    ]
    assert render_view(SEEN + unseen) == render_view(SEEN)


def test_a_collapsed_group_is_drawn_in_its_place():
    collapsed = node("group:1", 150, 500, "group", type="Group", collapsed=True)
    assert render_view(SEEN + [collapsed]) != render_view(SEEN)
