"""The workbench with login, without a browser: Flask's test client against the real app
(login page, session and CSRF cookies, Dash callback POSTs), and the region-scoped store on
the two-county world of test_cases_world (P1/L1 west, P2/L2 east; ORG1 west, ORG3 east)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pandas as pd
import pytest
from test_cases_world import PASSWORD, WEST, clock, finding, load_world, people, store  # noqa: F401

from bidgraph.cases import audit, cases, users
from bidgraph.cases.pack import verify_pack
from bidgraph.cases.scope import Scope
from bidgraph.cases.scoped_store import RegionIndexCache, RegionViews, ScopedStore
from bidgraph.cases.users import FREE_FAILURES, AccessDenied
from bidgraph.errors import NotFound
from bidgraph.graph.api import open_store
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import CSRF_COOKIE, SESSION_COOKIE, Auth
from bidgraph.workbench.callbacks.cases import create_case, export_case_pack
from bidgraph.workbench.callbacks.search import search
from bidgraph.workbench.cart import finding_item, node_item
from bidgraph.workbench.casedesk import CaseDesk
from bidgraph.workbench.data import WorkbenchData
from bidgraph.workbench.export import export

WEST_RING, EAST_RING = finding("F1", "L1", "ORG1", "ORG2"), finding("F2", "L2", "ORG2", "ORG3")
EAST_ONLY = ("ORG3", "GOV2", "P2", "L2", "B3", "B4", "F2", "10.0.0.9", "东区", "杭州丙")
INJECTION = "'; MATCH (n) DETACH DELETE n; DROP TABLE users; -- \" OR 1=1"


@pytest.fixture
def graph(store, tmp_path):
    load_world(tmp_path / "ws")  # the same workspace as the cases store
    api = open_store(tmp_path / "ws")
    api.save_findings([WEST_RING, EAST_RING])
    return api


def scoped(graph, store, user) -> ScopedStore:
    return ScopedStore(graph, Scope.of(user), RegionIndexCache(graph), store, lambda: user)


def logged_in(graph, store, name: str) -> WorkbenchData:
    """What the callbacks read for ``name`` after logging in (RequestData's view, without a request)."""
    session = users.login(store, name, PASSWORD)
    views = RegionViews(graph, store, lambda: session.user)
    desk = CaseDesk(store, views.regions, lambda: (session.token, session.csrf_token))
    return WorkbenchData(views.store(session.user.region_code), desk)


@pytest.fixture
def app(graph, store, people):
    return create_app(graph, auth=Auth(store))


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def login(client, name: str, password: str = PASSWORD):
    page = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/login", data={"name": name, "password": password, "login_csrf": token})


def dash_post(app, client, output_has: str, values: dict, changed: str, csrf: str | None):
    """POST one Dash callback the way dash-renderer does: the callback whose output names
    ``output_has``, with ``values`` ({"id.prop": value}) for its inputs and states."""
    output, cb = next((k, v) for k, v in app.callback_map.items() if output_has in k)
    fill = lambda items: [
        {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")} for i in items
    ]
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in output.strip(".").split("...")]
    body = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": fill(cb["inputs"]),
        "state": fill(cb["state"]),
        "changedPropIds": [changed],
    }
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


CREATE = {
    "button-case-from-findings.n_clicks": 1,
    "input-case-title.value": "西区道路围标",
    "dropdown-case-kind.value": "challenge",
    "store-finding.data": "F1",
    "store-lang.data": "zh",
}


def test_without_a_session_pages_redirect_and_callbacks_are_refused(app, store, people):
    client = app.server.test_client()
    assert client.get("/").status_code == 302 and client.get("/").location.endswith("/login")
    assert client.get("/_dash-layout").status_code == 403
    assert (
        dash_post(
            app, client, "div-cases-msg.children", CREATE, "button-case-from-findings.n_clicks", "made-up"
        ).status_code
        == 403
    )
    assert cases.list_cases(store, people["admin"]) == []
    assert client.get("/login").status_code == 200 and "登录" in client.get("/login").get_data(as_text=True)


def test_login_sets_strict_cookies_and_callbacks_need_the_session_csrf_token(app, store, people):
    client = app.server.test_client()
    response = login(client, "west")
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    csrf_cookie = next(c for c in cookies if c.startswith(CSRF_COOKIE + "="))
    assert "HttpOnly" in session and "SameSite=Strict" in session
    assert "HttpOnly" not in csrf_cookie and "SameSite=Strict" in csrf_cookie  # dash-renderer reads it
    page = client.get("/")
    assert page.status_code == 200
    # decoded, so the check does not depend on whether the JSON encoder escapes non-ASCII
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "west" in layout and "调查员" in layout and WEST in layout and "app.no_auth" not in layout
    for bad in (None, "wrong-token"):
        assert (
            dash_post(
                app, client, "div-cases-msg.children", CREATE, "button-case-from-findings.n_clicks", bad
            ).status_code
            == 403
        )
    assert cases.list_cases(store, people["admin"]) == []  # nothing changed
    ok = dash_post(
        app,
        client,
        "div-cases-msg.children",
        CREATE,
        "button-case-from-findings.n_clicks",
        _cookie(client, CSRF_COOKIE),
    )
    assert ok.status_code == 200 and "C-000001" in ok.get_data(as_text=True)
    [case] = cases.list_cases(store, people["admin"])
    assert case["created_by"] == "west" and case["kind"] == "challenge" and case["findings_count"] == 1


def test_logout_needs_csrf_and_revokes_the_session(app):
    client = app.server.test_client()
    login(client, "city")
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200  # still logged in
    response = client.post("/logout", data={"csrf": _cookie(client, CSRF_COOKIE)})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get("/").status_code == 302
    assert client.get("/_dash-layout").status_code == 403


def test_login_form_needs_its_own_token_and_wrong_passwords_slow_only_their_source(app):
    client = app.server.test_client()  # the attacker, at 127.0.0.1
    client.get("/login")
    forged = client.post("/login", data={"name": "west", "password": PASSWORD, "login_csrf": "guess"})
    assert forged.status_code == 403 and _cookie(client, SESSION_COOKIE) is None
    for _ in range(FREE_FAILURES + 2):
        assert login(client, "west", "wrong-password").status_code == 401
    throttled = login(client, "west")  # the right password, but too soon after the failures
    assert throttled.status_code == 401 and "locked" not in throttled.get_data(as_text=True)
    assert client.get("/").status_code == 302
    unknown = login(client, "nobody", "wrong-password")
    assert (
        _error(unknown) == _error(throttled)
        and _error(unknown) == "登录失败：用户名或密码错误，或尝试过于频繁（请稍后再试）"
    )  # the page's language only
    elsewhere = app.server.test_client()  # the real west user, at another address
    page = elsewhere.get("/login", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    ok = elsewhere.post(
        "/login",
        data={"name": "west", "password": PASSWORD, "login_csrf": token},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert ok.status_code == 302 and _cookie(elsewhere, SESSION_COOKIE)


def _error(response) -> str:
    return re.search(r'class="login-error"[^>]*>([^<]*)<', response.get_data(as_text=True)).group(1)


def test_a_county_search_through_the_dash_endpoint_shows_only_its_county(app):
    client = app.server.test_client()
    login(client, "west")
    csrf = _cookie(client, CSRF_COOKIE)
    values = {"button-search.n_clicks": 1, "store-lang.data": "zh"}
    east = dash_post(
        app, client, "table-search.data", {**values, "input-search.value": "杭州丙"}, "button-search.n_clicks", csrf
    )
    both = dash_post(
        app, client, "table-search.data", {**values, "input-search.value": "杭州乙"}, "button-search.n_clicks", csrf
    )
    assert east.status_code == both.status_code == 200
    assert "ORG3" not in east.get_data(as_text=True)
    assert "ORG2" in both.get_data(as_text=True)


def test_a_county_user_sees_nothing_of_another_county(graph, store, people):
    west = scoped(graph, store, people["west"])
    data = WorkbenchData(west)
    assert [f["id"] for f in data.findings()] == ["F1"]
    hits = {h["key"] for h in west.search("杭州", limit=20)}
    assert hits and hits <= {"ORG1", "ORG2"}
    assert west.search("杭州丙") == []
    for uid in ("Organization:ORG3", "Project:P2", "Lot:L2", "Bid:B4", "IP:10.0.0.9"):
        with pytest.raises(NotFound):
            west.node(uid)
    page = west.expand("Organization:ORG2")
    assert {n["id"] for n in page["nodes"]} == {"Bid:B2"} and page["total"] == 1
    assert all("B3" not in json.dumps(e) for e in page["edges"])
    with pytest.raises(NotFound):
        west.paths("Organization:ORG1", "Organization:ORG3")
    found = west.paths("Organization:ORG1", "Organization:ORG2")
    assert found["paths"] and all("L2" not in json.dumps(p) for p in found["paths"])
    assert list(west.snapshot()["bids"]["bid_id"]) == ["B1", "B2"]
    assert west.info()["nodes"]["Project"] == 1
    with pytest.raises(NotFound):  # a forged cart naming an east node
        export(west, [node_item(graph.node("Organization:ORG3"))], "json")
    name, content = export(west, [node_item(graph.node(u)) for u in ("Organization:ORG2", "Lot:L1")], "csv")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        text = "".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())
    assert "B2" in text and not [s for s in EAST_ONLY if s in text]
    columns, rows, _ = search(data, "杭州丙", "zh")
    assert rows == []


def test_a_county_pack_holds_only_its_county_and_verifies(graph, store, people, tmp_path):
    city = WorkbenchData(scoped(graph, store, people["city"]))
    both = cases.create_case(
        store, people["city"], "跨区围标", [WEST_RING, EAST_RING], index=RegionIndexCache(graph).get()
    )
    name, content = export_case_pack(logged_in(graph, store, "west"), both["id"])
    (tmp_path / name).write_bytes(content)
    assert verify_pack(tmp_path / name, store).ok
    with zipfile.ZipFile(tmp_path / name) as zf:
        text = " ".join(
            zf.read(n).decode("utf-8-sig", "ignore") for n in zf.namelist() if n.endswith((".csv", ".html"))
        )
        bids = pd.read_csv(io.BytesIO(zf.read("tables/bids.csv")))
    assert sorted(bids["bid_id"]) == ["B1", "B2"]
    assert "F1" in text and not [s for s in ("ORG3", "B3", "B4", "F2", "杭州丙") if s in text]
    assert len(city.findings()) == 2


def test_cases_from_the_cart_and_a_viewer_cannot_export(graph, store, people):
    west = logged_in(graph, store, "west")
    cart = [finding_item(WEST_RING), node_item(graph.node("Organization:ORG2"))]
    case = create_case(west, "证据篮立案", "review", [], cart)
    assert [f["id"] for f in case["findings"]] == ["F1"] and "Organization:ORG2" in case["nodes"]
    with pytest.raises(NotFound):  # another county's finding is "not found"
        create_case(west, "越权", "review", [EAST_RING])
    viewer = scoped(graph, store, people["viewer"])
    with pytest.raises(AccessDenied):
        viewer.record_export("json", "x.json", 1)


def test_query_fragments_are_searched_as_text_and_every_read_is_audited(graph, store, people):
    west = scoped(graph, store, people["west"])
    before = graph.info()["nodes"]
    assert west.search(INJECTION) == []
    assert graph.info()["nodes"] == before and len(store.connection().execute("SELECT * FROM users").fetchall()) == 6
    west.node("Organization:ORG1")
    west.expand("Lot:L1", types=["FOR_LOT"])
    export(west, [node_item(graph.node("Organization:ORG1"))], "json")
    west.record_export("json", "bidgraph-cart.json", 1)
    rows = store.connection().execute("SELECT user, action, detail FROM audit WHERE user = 'west'").fetchall()
    by_action = {r["action"]: json.loads(r["detail"]) for r in rows}
    assert by_action["search"]["query"] == INJECTION
    assert by_action["view"] == {"node": "Organization:ORG1"}
    assert by_action["expand"]["node"] == "Lot:L1" and by_action["expand"]["types"] == ["FOR_LOT"]
    assert by_action["export"]["format"] == "json"
    assert audit.verify(store).ok


def test_serve_logs_in_by_default_and_says_how_to_make_the_first_admin(tmp_path, capsys):
    from bidgraph.cli import main

    load_world(tmp_path / "ws")
    assert main(["--workspace", str(tmp_path / "ws"), "serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "bidgraph user add NAME --role admin" in err and len(err.strip().splitlines()) == 1


def test_a_finding_shows_its_verdicts(graph, store, people):
    from test_workbench_callbacks import text_of

    from bidgraph.workbench.callbacks.findings import finding_detail

    west = logged_in(graph, store, "west")
    cases.record_feedback(store, people["west"], WEST_RING, "confirmed", "开标记录证实", index=west.api.regions())
    panel, _, _ = finding_detail(west, "F1", "zh")
    assert "确认 · west · 开标记录证实" in text_of(panel)


def test_overdue_cases_come_first_and_are_marked(graph, store, people, clock):
    from bidgraph.workbench.callbacks.cases import cases_table

    west = logged_in(graph, store, "west")
    create_case(west, "普通核查", "review", [WEST_RING])
    create_case(west, "质疑案件", "challenge", [WEST_RING])
    clock.advance(days=30)  # well past 7 working days (and the session: log in again)
    with pytest.raises(AccessDenied, match="expired"):
        cases_table(west, False, "zh")
    columns, rows = cases_table(logged_in(graph, store, "west"), False, "zh")
    assert [r["overdue"] for r in rows] == [1, 0] and rows[0]["title"] == "⚠ 质疑案件"
    assert rows[0]["status"] == "新建" and "剩余工作日" in [c["name"] for c in columns]


def test_cart_exports_cannot_run_formulas(graph, store, people):
    item = {**node_item(graph.node("Organization:ORG1")), "note": '=HYPERLINK("http://evil","点我")'}
    city = scoped(graph, store, people["city"])
    _, content = export(city, [item], "csv")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        cart = pd.read_csv(io.BytesIO(zf.read("cart.csv")), encoding="utf-8-sig")
    _, content = export(city, [item], "xlsx")
    sheet = pd.read_excel(io.BytesIO(content), sheet_name="cart")
    assert cart["note"][0] == sheet["note"][0] == "'" + item["note"]
