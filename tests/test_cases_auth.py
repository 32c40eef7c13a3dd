"""Accounts, passwords, sessions, CSRF and lockout."""

from __future__ import annotations

import io
import sys

import pytest
from test_cases_world import PASSWORD, WEST, clock, finding, people, store  # noqa: F401 (fixtures)

from bidgraph.cases import audit, cases
from bidgraph.cases.users import (
    SESSION_HOURS,
    AccessDenied,
    User,
    add_user,
    authorize,
    check_password,
    csrf_token_for,
    hash_password,
    list_users,
    login,
    logout,
)
from bidgraph.cli import main
from bidgraph.errors import InputError


def _all_bytes(store) -> bytes:
    return b"".join(p.read_bytes() for p in store.folder.iterdir() if p.is_file())


def test_password_hash_is_salted_scrypt_and_checks():
    a, b = hash_password("s3cret-pass"), hash_password("s3cret-pass")
    assert a.startswith("scrypt$16384$8$1$") and a != b
    assert check_password("s3cret-pass", a) and not check_password("s3cret-pasS", a)
    assert not check_password("s3cret-pass", "garbage")


def test_passwords_never_stored_or_logged_in_clear(store, people, tmp_path):
    with pytest.raises(AccessDenied):
        login(store, "west", "Wrong-" + PASSWORD)  # a wrong password is not logged either
    login(store, "west", PASSWORD)
    out = tmp_path / "audit.jsonl"
    audit.export(store, out, "auditor")
    store.close()
    for blob in (_all_bytes(store), out.read_bytes()):
        assert PASSWORD.encode() not in blob
        assert ("Wrong-" + PASSWORD).encode() not in blob


def test_cli_reads_password_from_stdin_and_never_echoes_it(tmp_path, monkeypatch, capsys):
    ws = tmp_path / "ws"

    def run(*argv, stdin=""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--workspace", str(ws), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, err = run("user", "add", "boss", "--role", "admin", stdin=PASSWORD + "\n")  # the first admin
    assert code == 0 and "by os:" in out, err
    monkeypatch.setattr("getpass.getpass", lambda prompt: PASSWORD)  # boss types the password at the prompt
    code, out, err = run(
        "user", "add", "zhang.san", "--role", "analyst", "--region", WEST, "--user", "boss", stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    assert PASSWORD not in out + err
    assert "zhang.san\tanalyst\t330106\tactive" in run("user", "list", "--user", "boss")[1]
    assert run("user", "add", "li", "--role", "viewer", stdin="")[0] == 2
    code, out, err = run(
        "user", "add", "li", "--role", "viewer", "--region", "west", "--user", "boss", stdin=PASSWORD + "\n"
    )
    assert code == 2 and "6-digit" in err and "Traceback" not in err
    assert PASSWORD.encode() not in (ws / "cases.sqlite").read_bytes()


def test_only_admins_add_users_and_inputs_are_checked(store, people):
    with pytest.raises(AccessDenied):
        add_user(store, people["city"], "mallory", PASSWORD, "admin")
    with pytest.raises(InputError, match="already exists"):
        add_user(store, people["admin"], "west", PASSWORD, "viewer")
    with pytest.raises(InputError, match="role"):
        add_user(store, people["admin"], "x1", PASSWORD, "superuser")
    with pytest.raises(InputError, match="user name"):
        add_user(store, people["admin"], "robert'); DROP TABLE users;--", PASSWORD, "viewer")
    assert len(list_users(store)) == 6


def test_session_gives_user_with_scope_and_expires(store, people, clock):
    s = login(store, "west", PASSWORD)
    user = authorize(store, s.token, None, "read")
    assert user == User("west", "investigator", WEST)
    assert csrf_token_for(store, s.token) == s.csrf_token  # a reloaded page gets it again
    clock.advance(hours=SESSION_HOURS, seconds=1)
    with pytest.raises(AccessDenied, match="expired"):
        authorize(store, s.token, s.csrf_token, "read")
    with pytest.raises(AccessDenied):
        csrf_token_for(store, s.token)


def test_logout_revokes_and_unknown_tokens_fail(store, people):
    s = login(store, "west", PASSWORD)
    logout(store, s.token)
    for token in (s.token, "forged-token", "", None):
        with pytest.raises(AccessDenied):
            authorize(store, token, s.csrf_token, "read")


def _web_request(store, token, csrf, action, change):
    """What the web layer does for every state-changing request: authorize, then act."""
    user = authorize(store, token, csrf, action)
    return change(user)


def test_requests_without_session_or_with_bad_csrf_change_nothing(store, people):
    s = login(store, "city", PASSWORD)
    case = _web_request(
        store,
        s.token,
        s.csrf_token,
        "case.create",
        lambda u: cases.create_case(store, u, "围标线索", [finding("F1", "L1", "ORG1", "ORG2")]),
    )
    other = login(store, "east", PASSWORD)
    attempts = [
        (None, s.csrf_token),
        ("not-a-session", s.csrf_token),
        (s.token, None),
        (s.token, ""),
        (s.token, s.csrf_token + "x"),
        (s.token, other.csrf_token),
        (other.token, s.csrf_token),
    ]
    changes = {
        "case.create": lambda u: cases.create_case(store, u, "x", [finding("F2", "L1", "ORG1")]),
        "case.transition": lambda u: cases.transition(store, u, case["id"], "reviewing", "go"),
        "case.comment": lambda u: cases.add_comment(store, u, case["id"], "note"),
    }
    before = (audit.head(store), cases.list_cases(store, people["admin"]))
    for token, csrf in attempts:
        for action, change in changes.items():
            with pytest.raises(AccessDenied):
                _web_request(store, token, csrf, action, change)
    assert (audit.head(store), cases.list_cases(store, people["admin"])) == before
    assert _web_request(store, s.token, s.csrf_token, "case.comment", changes["case.comment"]) is None
    assert audit.head(store)["seq"] == before[0]["seq"] + 1


def test_roles_limit_actions(store, people):
    viewer = login(store, "viewer", PASSWORD)
    assert authorize(store, viewer.token, None, "read").role == "viewer"
    for action in ("case.create", "case.comment", "export", "case.transition"):
        with pytest.raises(AccessDenied, match="may not"):
            authorize(store, viewer.token, viewer.csrf_token, action)
    analyst = login(store, "analyst", PASSWORD)
    assert authorize(store, analyst.token, analyst.csrf_token, "case.comment").name == "analyst"
    with pytest.raises(AccessDenied, match="may not"):
        authorize(store, analyst.token, analyst.csrf_token, "case.transition")
    with pytest.raises(ValueError):
        authorize(store, analyst.token, analyst.csrf_token, "launch.missiles")


def test_unknown_user_and_wrong_password_look_the_same(store, people):
    messages = []
    for name in ("west", "nobody"):
        with pytest.raises(AccessDenied) as err:
            login(store, name, "nope-nope-nope")
        messages.append(str(err.value))
    assert messages[0] == messages[1]
