"""20 simulated users (separate processes) work cases and dispatches at once: nothing lost,
nothing answered twice, nothing corrupted.

The full minute is ``python bench/cases_concurrency.py``; this runs the same code for 3 s.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "cases_concurrency.py"


def _bench():
    spec = importlib.util.spec_from_file_location("cases_concurrency", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_twenty_users_at_once_lose_no_update(tmp_path):
    figures = _bench().run(users=20, seconds=3, mode="processes", workspace=tmp_path / "ws", seed=1)
    assert figures["problems"] == [] and figures["ok"]
    assert figures["comments"] > 20 and figures["moves"] + figures["assigns"] > 0 and figures["creates"] > 0
    assert figures["dispatches_sent"] > 0 and figures["replies"] > 0
    assert figures["integrity"] == "ok"


def test_the_checks_catch_a_lost_update(tmp_path):
    bench = _bench()
    names = bench.setup(tmp_path / "ws", users=2)
    results = [bench.work((tmp_path / "ws", name, 0.5, i, names)) for i, name in enumerate(names)]
    assert bench.check(tmp_path / "ws", results, users=2)["ok"]
    conn = sqlite3.connect(tmp_path / "ws" / "cases.sqlite")
    conn.execute("DELETE FROM case_events WHERE id = (SELECT MAX(id) FROM case_events WHERE kind = 'comment')")
    conn.commit()
    problems = bench.check(tmp_path / "ws", results, users=2)["problems"]
    assert any("comments told vs stored differ" in p for p in problems)


def test_the_checks_catch_a_lost_reply(tmp_path):
    bench = _bench()
    names = bench.setup(tmp_path / "ws", users=2)
    results = [bench.work((tmp_path / "ws", name, 1.0, i, names)) for i, name in enumerate(names)]
    assert sum(sum(r["replies"].values()) for r in results) > 0, "no reply made: the check below would prove nothing"
    assert bench.check(tmp_path / "ws", results, users=2)["ok"]
    conn = sqlite3.connect(tmp_path / "ws" / "cases.sqlite")
    conn.execute(
        "DELETE FROM supervision_events WHERE id = (SELECT MAX(id) FROM supervision_events WHERE kind = 'dispatch.reply')"
    )
    conn.commit()
    problems = bench.check(tmp_path / "ws", results, users=2)["problems"]
    assert any("replies told vs stored differ" in p for p in problems)
