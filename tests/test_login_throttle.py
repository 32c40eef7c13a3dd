"""Login throttling per (account, source), one message for every failure, bounded input, and
who acts at the command line (no more ``--as``)."""

from __future__ import annotations

import getpass
import io
import sys

import pytest
from test_cases_world import PASSWORD, cli_admin, clock, people, store  # noqa: F401 (fixtures)

from bidgraph.cases import audit
from bidgraph.cases.db import CasesStore
from bidgraph.cases.users import (
    FREE_FAILURES,
    LOGIN_FAILED,
    MAX_DELAY_SECONDS,
    AccessDenied,
    authenticate_token,
    create_token,
    login,
    revoke_tokens,
)
from bidgraph.cli import main

ATTACKER, OFFICE = "203.0.113.9", "10.0.0.5"


def _fails(store, name, password, source=ATTACKER) -> str:
    with pytest.raises(AccessDenied) as err:
        login(store, name, password, source=source)
    return str(err.value)


def test_wrong_passwords_slow_down_their_source_only_and_lock_nobody_out(store, people, clock):
    for _ in range(FREE_FAILURES + 3):
        _fails(store, "admin", "guess-guess")
    assert _fails(store, "admin", PASSWORD) == LOGIN_FAILED  # the right password is refused while waiting
    assert login(store, "admin", PASSWORD, source=OFFICE).user.name == "admin"  # the admin elsewhere is not
    clock.advance(seconds=2**3)  # the wait after FREE_FAILURES + 3 failures
    assert login(store, "admin", PASSWORD, source=ATTACKER).user.name == "admin"


def test_delays_grow_and_are_capped(store, people, clock):
    waits = {}
    for failures in (FREE_FAILURES - 1, FREE_FAILURES, FREE_FAILURES + 2, FREE_FAILURES + 20):
        source = f"source-{failures}"
        for _ in range(failures):
            _fails(store, "west", "guess-guess", source=source)
            clock.advance(seconds=MAX_DELAY_SECONDS)  # never throttled while counting up
        clock.advance(seconds=-MAX_DELAY_SECONDS)  # back to the moment of the last failure
        wait = 0 if failures < FREE_FAILURES else min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
        if wait:
            clock.advance(seconds=wait - 1)
            assert _fails(store, "west", PASSWORD, source=source) == LOGIN_FAILED
            clock.advance(seconds=1)
        assert login(store, "west", PASSWORD, source=source).user.name == "west"
        waits[failures] = wait
    assert list(waits.values()) == [0, 1, 4, MAX_DELAY_SECONDS]


def test_every_failure_has_the_same_message(store, people, clock):
    messages = {
        _fails(store, "nobody", "guess-guess", source="a"),  # unknown account
        _fails(store, "west", "guess-guess", source="b"),  # wrong password
        _fails(store, "x" * 400_000, PASSWORD, source="c"),  # too long
        _fails(store, "west", "p" * 1025, source="d"),
    }
    for _ in range(FREE_FAILURES + 1):
        messages.add(_fails(store, "west", "guess-guess", source="e"))  # throttled at the end
    assert messages == {LOGIN_FAILED} and "locked" not in LOGIN_FAILED


def test_over_long_input_is_refused_before_hashing_and_recorded_cut(store, people, monkeypatch):
    monkeypatch.setattr("bidgraph.cases.users.check_password", lambda *a: pytest.fail("hashed"))
    _fails(store, "x" * 400_000, PASSWORD)
    _fails(store, "west", "p" * 1025)
    users = [r["user"] for r in store.connection().execute("SELECT user FROM audit WHERE action = 'login.failed'")]
    assert users[0].startswith("x" * 64) and len(users[0]) < 100 and users[1] == "west"
    assert audit.verify(store).ok


def test_api_tokens_are_stored_hashed_and_can_be_revoked(store, people):
    with pytest.raises(AccessDenied):
        create_token(store, people["city"], "west")  # admins only
    token = create_token(store, people["admin"], "west")
    assert authenticate_token(store, token).name == "west"
    store.close()
    assert token.encode() not in store.path.read_bytes()
    assert revoke_tokens(store, people["admin"], "west") == 1
    with pytest.raises(AccessDenied, match="unknown or revoked"):
        authenticate_token(store, token)


def test_the_cli_acts_as_an_authenticated_account_or_the_os_user(tmp_path, monkeypatch, capsys):
    ws = ["--workspace", str(tmp_path / "ws")]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit):
        main([*ws, "case", "list", "--as", "boss"])  # --as is gone
    cli_admin(tmp_path / "ws", monkeypatch)  # the OS user creates the first admin, the admin a token
    monkeypatch.delenv("BIDGRAPH_TOKEN")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main([*ws, "user", "add", "mallory", "--role", "admin"]) == 2  # no more bootstrapping
    assert main([*ws, "case", "list"]) == 2
    assert "BIDGRAPH_TOKEN" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt: "not-the-password")
    assert main([*ws, "case", "list", "--user", "boss"]) == 2
    assert LOGIN_FAILED in capsys.readouterr().err
    monkeypatch.setenv("BIDGRAPH_TOKEN", "bgt_forged")
    assert main([*ws, "case", "list"]) == 2
    assert "API token is unknown" in capsys.readouterr().err
    entries = CasesStore(tmp_path / "ws").connection().execute("SELECT user, action FROM audit ORDER BY seq")
    recorded = [(e["user"], e["action"]) for e in entries]
    assert recorded[0] == (f"os:{getpass.getuser()}", "user.add")  # the OS user, recorded as such
    assert ("boss", "login.failed") in recorded and ("(api token)", "login.failed") in recorded
