"""Random inspections (双随机、一公开): a repeatable draw whose seed is audited before it, results
with a publish-by date, and region scope."""

from __future__ import annotations

import json

import pytest
from test_cases_world import EAST, WEST, clock, index, people, store, world_tables  # noqa: F401 (fixtures)

from bidgraph.cases import audit, inspections
from bidgraph.cases.supervision import StepRefused, Unseen
from bidgraph.errors import InputError

POOL = [f"P{i:03d}" for i in range(40)]
OFFICERS = ["admin", "city", "west", "east"]


def test_same_seed_and_pool_give_the_same_list_another_seed_another():
    first = inspections.repeat_draw(20261101, POOL, 5, OFFICERS, 2)
    assert first == inspections.repeat_draw(20261101, list(reversed(POOL)), 5, list(reversed(OFFICERS)), 2)
    assert first != inspections.repeat_draw(20261102, POOL, 5, OFFICERS, 2)
    assert len(set(first["items"])) == 5 and set(first["items"]) <= set(POOL)
    assert len(set(first["officers"])) == 2 and set(first["officers"]) <= set(OFFICERS)
    with pytest.raises(InputError, match="cannot draw 41"):
        inspections.repeat_draw(1, POOL, 41, OFFICERS, 1)


def test_the_seed_is_audited_before_the_draw_and_anyone_can_repeat_it(store, people):
    request = inspections.DrawRequest("project", POOL, 4, OFFICERS, 2, {"category": "construction"})
    drawn = inspections.draw(store, people["city"], request, seed=99)
    rows = [dict(r) for r in store.connection().execute("SELECT seq, action, detail FROM audit ORDER BY seq")]
    seed_entry, draw_entry = rows[-2], rows[-1]
    assert (seed_entry["action"], draw_entry["action"]) == ("inspect.seed", "inspect.draw")
    announced = json.loads(seed_entry["detail"])
    assert announced["seed"] == 99 and announced["pool_size"] == 40 and "items" not in announced
    assert announced["pool_sha256"] == inspections.pool_digest(POOL)
    repeated = inspections.repeat_draw(announced["seed"], POOL, announced["n"], announced["officers_pool"], 2)
    assert repeated == {"items": drawn["items"], "officers": drawn["officers"]}
    assert json.loads(draw_entry["detail"])["seed_entry"] == seed_entry["seq"]
    assert audit.verify(store).ok


def test_an_unseeded_draw_records_the_seed_it_used(store, people):
    drawn = inspections.draw(
        store, people["city"], inspections.DrawRequest("firm", ["ORG1", "ORG2", "ORG3"], 2, OFFICERS, 1)
    )
    assert inspections.repeat_draw(drawn["seed"], ["ORG1", "ORG2", "ORG3"], 2, OFFICERS, 1)["items"] == drawn["items"]


def test_results_are_published_within_five_working_days(store, people, clock):
    drawn = inspections.draw(store, people["city"], inspections.DrawRequest("project", POOL, 2, OFFICERS, 1), seed=5)
    clock.advance(days=59)  # Thu 30 April: 劳动节 1–5 May off, Sat 9 May worked
    done = inspections.record_result(store, people["city"], drawn["id"], drawn["items"][0], "problem", "未按规定公示")
    assert done["results"][0]["publish_by"] == "2026-05-11"
    with pytest.raises(StepRefused, match="already has a result"):
        inspections.record_result(store, people["city"], drawn["id"], drawn["items"][0], "no_problem", "x")
    undrawn = next(p for p in POOL if p not in drawn["items"])
    with pytest.raises(StepRefused, match="not drawn"):
        inspections.record_result(store, people["city"], drawn["id"], undrawn, "no_problem", "x")


def test_pools_follow_filters_and_region_and_draws_their_county(store, people, index):
    tables = world_tables()
    assert inspections.project_pool(tables, WEST) == ["P1"]
    assert inspections.project_pool(tables, None, tenderer_id="GOV2") == ["P2"]
    assert inspections.firm_pool(tables, index, EAST) == ["ORG2", "ORG3"]
    drawn = inspections.draw(store, people["west"], inspections.DrawRequest("project", ["P1"], 1, ["west"], 1), seed=3)
    assert drawn["region_code"] == WEST
    assert [i["id"] for i in inspections.list_inspections(store, people["east"])] == []
    assert [i["id"] for i in inspections.list_inspections(store, people["city"])] == [drawn["id"]]
    with pytest.raises(Unseen):
        inspections.get_inspection(store, people["east"], drawn["id"])
    with pytest.raises(InputError, match="no active account"):
        inspections.draw(store, people["city"], inspections.DrawRequest("project", POOL, 1, ["nobody"], 1))
