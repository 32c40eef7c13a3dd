"""A main-tab switch calls the server only for the page it opens: the Dash renderer calls a
callback when one of its inputs changes, and a switch changes the tabs' value and, in the browser,
the opened page's ``store-opened-<page>`` (callbacks.register_pages_opened)."""

import pytest
from workbench_world import tiny_store

from bidgraph.workbench.app import create_app
from bidgraph.workbench.layout import OPENED_PAGES


@pytest.fixture
def server_callbacks(tmp_path, tiny_tables):
    app = create_app(tiny_store(tmp_path / "ws", tiny_tables))
    return {
        key: {f"{i['id']}.{i['property']}" for i in cb["inputs"]}
        for key, cb in app.callback_map.items()
        if "callback" in cb  # not a clientside one
    }


def called_on_switch(server_callbacks, page: str) -> list[str]:
    """The outputs of the server callbacks a switch to ``page`` sets off."""
    changed = {"tabs-main.value", *([f"store-opened-{page}.data"] if page in OPENED_PAGES else [])}
    return sorted(key for key, inputs in server_callbacks.items() if inputs & changed)


@pytest.mark.parametrize("page", ["overview", "search", "explorer", "portrait"])
def test_opening_a_page_without_server_work_calls_nothing(server_callbacks, page):
    assert called_on_switch(server_callbacks, page) == []


@pytest.mark.parametrize(
    ("page", "output"),
    [
        ("findings", "div-finding-detail.children"),
        ("cart", "table-cart.data"),
        ("cases", "table-cases.data"),
        ("inspections", "table-inspections.data"),
        ("performance", "table-performance.data"),
    ],
)
def test_opening_a_page_calls_only_its_own_callback(server_callbacks, page, output):
    (called,) = called_on_switch(server_callbacks, page)
    assert output in called


def test_the_dispatch_page_fills_its_list_and_its_form(server_callbacks):
    called = called_on_switch(server_callbacks, "dispatch")
    assert len(called) == 2
    assert any("table-dispatch.data" in c for c in called)
    assert any("dropdown-send-department.options" in c for c in called)
