"""A draw announced before it is made (cases/draw_plans.py): the seed is audited first, the
draw is the announced one (read back from the trail), once, from the same pool; a repeat from
the seed gives the recorded list; a period narrows a project pool."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_cases_world import clock, people, store  # noqa: F401

from bidgraph.cases import draw_plans, inspections
from bidgraph.cases.supervision import StepRefused
from bidgraph.cases.users import AccessDenied
from bidgraph.errors import InputError, NotFound

POOL = [f"P{i:02d}" for i in range(20)]
OFFICERS = ["city", "west"]


def _actions(store) -> list[str]:
    return [r["action"] for r in store.connection().execute("SELECT action FROM audit ORDER BY seq")]


def test_the_seed_is_audited_before_the_draw_and_the_draw_is_the_announced_one(store, people):
    city = people["city"]
    plan = draw_plans.announce(
        store, city, inspections.DrawRequest("project", POOL, 3, OFFICERS, 1, {"region": "330106"})
    )
    assert _actions(store)[-1] == "inspect.announce"
    drawn = draw_plans.draw_announced(store, city, plan["seq"], list(reversed(POOL)))  # order does not matter
    assert drawn["seed"] == plan["seed"] and drawn["filters"]["announced"] == plan["seq"]
    assert _actions(store)[-3:] == ["inspect.announce", "inspect.seed", "inspect.draw"]
    assert drawn["items"] == inspections.repeat_draw(plan["seed"], POOL, 3, OFFICERS, 1)["items"]
    again = draw_plans.check_repeat(drawn, POOL)
    assert again["same"] and again["items"] == drawn["items"]
    assert not draw_plans.check_repeat(drawn, POOL[:-1])["same_pool"]
    with pytest.raises(StepRefused, match="already drawn"):
        draw_plans.draw_announced(store, city, plan["seq"], POOL)


def test_a_changed_pool_another_users_seed_or_a_wrong_entry_is_refused(store, people):
    city, west = people["city"], people["west"]
    plan = draw_plans.announce(store, city, inspections.DrawRequest("project", POOL, 2, OFFICERS, 1, {}))
    with pytest.raises(StepRefused, match="pool changed"):
        draw_plans.draw_announced(store, city, plan["seq"], POOL[:-1])
    with pytest.raises(NotFound):
        draw_plans.draw_announced(store, west, plan["seq"], POOL)
    assert _actions(store)[-1] == "denied"  # someone else's seed: refused and audited
    with pytest.raises(NotFound):
        draw_plans.draw_announced(store, city, plan["seq"] - 1, POOL)  # not an announcement
    with pytest.raises(AccessDenied):
        draw_plans.announce(store, people["viewer"], inspections.DrawRequest("project", POOL, 2, OFFICERS, 1, {}))
    with pytest.raises(InputError):
        draw_plans.announce(
            store, city, inspections.DrawRequest("project", POOL, 21, OFFICERS, 1, {})
        )  # more than the pool
    detail = json.loads(
        store.connection().execute("SELECT detail FROM audit WHERE seq = ?", (plan["seq"],)).fetchone()[0]
    )
    assert detail["pool_sha256"] == inspections.pool_digest(POOL) and detail["seed"] == plan["seed"]


def test_a_period_narrows_the_project_pool_by_approval_day():
    projects = pd.DataFrame(
        {
            "project_id": ["A", "B", "C", "D"],
            "region_code": ["330106"] * 4,
            "approved_on": ["2026-01-05", "2026-03-01", None, "2026-06-30"],
        }
    )
    tables = {"projects": projects}
    assert draw_plans.period_pool(tables, "330106") == ["A", "B", "C", "D"]
    assert draw_plans.period_pool(tables, "330106", pd.Timestamp("2026-02-01").date()) == ["B", "D"]
    assert draw_plans.period_pool(tables, None, None, pd.Timestamp("2026-03-01").date()) == ["A", "B"]
