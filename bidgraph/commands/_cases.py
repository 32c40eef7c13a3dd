"""What the ``user``, ``audit``, ``case``, ``pack`` and ``key`` commands share: the store of
the workspace (with the office key when one is configured), who is acting, the loaded graph
when there is one, and how a verification ends.

Who acts at the command line: ``--user NAME`` (the password is asked for), else the account
of the API token in ``BIDGRAPH_TOKEN`` (``bidgraph user token NAME``), else the
operating-system user, unauthenticated, recorded as ``os:<login>``, who may only create the
first admin of an empty store (see docs/security.md).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from bidgraph.cases import audit, users
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import RegionIndex
from bidgraph.cases.signing import PublicKey, load_signer, read_public_keys
from bidgraph.cases.users import User
from bidgraph.commands._actions import arg
from bidgraph.errors import InputError, StoreError
from bidgraph.workspace import resolve_workspace

__all__ = [
    "open_cases",
    "acting_user",
    "as_acting_user",
    "LOGIN",
    "OFFICE_KEY",
    "PUBLIC_KEYS",
    "password_from_stdin",
    "trusted_keys",
    "loaded_graph",
    "print_verdict",
    "EXIT_TAMPERED",
    "TOKEN_ENV",
    "KEY_ENV",
]

EXIT_TAMPERED = 1  # the exit status of a verification that found changes
TOKEN_ENV = "BIDGRAPH_TOKEN"
KEY_ENV = "BIDGRAPH_OFFICE_KEY"
T = TypeVar("T")


def open_cases(args, signing: bool = True) -> CasesStore:
    """The workspace's cases store; with ``signing``, holding the office key named by
    ``--key`` or ``$BIDGRAPH_OFFICE_KEY`` when there is one."""
    workspace = resolve_workspace(getattr(args, "workspace", None))
    key_path = (getattr(args, "key", None) or os.environ.get(KEY_ENV)) if signing else None
    return CasesStore(workspace, signer=load_signer(key_path, workspace) if key_path else None)


LOGIN = arg(
    "--user",
    dest="login_name",
    metavar="NAME",
    help=f"act as this account; its password is asked for (scripts: set {TOKEN_ENV} instead) / "
    f"以该账号登录（提示输入密码；脚本中请设置 {TOKEN_ENV}）",
)
OFFICE_KEY = arg(
    "--key",
    metavar="FILE",
    help=f"the office's private key, outside the workspace (default ${KEY_ENV}) / 单位私钥文件（工作区之外）",
)
PUBLIC_KEYS = arg(
    "--public-key",
    action="append",
    default=[],
    metavar="FILE",
    help="trust only the office public key(s) in this PEM file (repeatable; default: the keys recorded in "
    "the workspace) / 仅信任该文件中的单位公钥",
)


def trusted_keys(store: CasesStore, args) -> list[PublicKey]:
    """The keys of ``--public-key`` files, else those recorded in the store."""
    if args.public_key:
        return [key for path in args.public_key for key in read_public_keys(path)]
    return audit.recorded_keys(store) if store.path.exists() else []


def _os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def acting_user(store: CasesStore, args) -> User:
    """The account of ``--user`` (password prompt) or ``$BIDGRAPH_TOKEN``, else the OS user."""
    name = getattr(args, "login_name", None)
    if name:
        password = getpass.getpass(f"password for {name} / {name} 的密码: ")
        return users.authenticate(store, name, password, source=f"cli:{_os_login()}")
    token = os.environ.get(TOKEN_ENV)
    if token:
        return users.authenticate_token(store, token)
    return User.from_os(_os_login())


def as_acting_user(args, step: Callable[..., T], *values: Any, **options: Any) -> T:
    """``step(store, user, *values, **options)``: a cases function run on the workspace's store
    (:func:`open_cases`) by who acts at the command line (:func:`acting_user`)."""
    store = open_cases(args)
    return step(store, acting_user(store, args), *values, **options)


def password_from_stdin(missing: str) -> str:
    """The password on the first line of stdin; an InputError saying ``missing`` when there is none."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError(missing)
    return password


def loaded_graph(args, required: bool):
    """``(graph store, RegionIndex)`` of the workspace's loaded graph, or ``(None, None)`` when
    nothing is loaded and ``required`` is false (a StoreError naming the fix otherwise)."""
    from bidgraph.graph.api import open_store

    graph = open_store(getattr(args, "workspace", None))
    try:
        snapshot = graph.snapshot()
    except StoreError:
        if required:
            raise
        return None, None
    return graph, RegionIndex(snapshot)


def print_verdict(ok_line: str, bad_line: str, problems: list[str]) -> int:
    """End a verification: ``ok_line`` and status 0 without problems, else ``bad_line``, each
    problem indented, and :data:`EXIT_TAMPERED`."""
    if not problems:
        print(ok_line)
        return 0
    print(bad_line)
    for problem in problems:
        print(f"  {problem}")
    return EXIT_TAMPERED
