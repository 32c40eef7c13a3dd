"""What the ``user``, ``audit``, ``case`` and ``pack`` commands share: the store of the
workspace, who is acting, the loaded graph when there is one, and how a verification ends.

At the command line the operator owns the workspace files, so they act as a city-wide admin
named ``cli:<login name>``; ``--as NAME`` acts as that account instead (its role and region
apply), which is how a county user's view is reproduced from the shell.
"""

from __future__ import annotations

import getpass

from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import RegionIndex
from bidgraph.cases.users import User, get_user
from bidgraph.errors import StoreError
from bidgraph.workspace import resolve_workspace

__all__ = ["open_cases", "acting_user", "add_as_option", "loaded_graph", "print_verdict", "EXIT_TAMPERED"]

EXIT_TAMPERED = 1  # the exit status of a verification that found changes


def open_cases(args) -> CasesStore:
    return CasesStore(resolve_workspace(getattr(args, "workspace", None)))


def add_as_option(parser) -> None:
    parser.add_argument(
        "--as",
        dest="acting",
        metavar="NAME",
        help="act as this account (its role and region apply) / 以该账号的角色和区划执行",
    )


def acting_user(store: CasesStore, args) -> User:
    if getattr(args, "acting", None):
        return get_user(store, args.acting)
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return User.operator(f"cli:{login}")


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
