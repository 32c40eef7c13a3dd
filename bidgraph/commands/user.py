"""bidgraph user add NAME --role R [--region CODE] (password on stdin) | bidgraph user list."""

from __future__ import annotations

import sys

from bidgraph.cases.users import MIN_PASSWORD_LENGTH, ROLES, add_user, list_users
from bidgraph.commands._cases import acting_user, add_as_option, open_cases
from bidgraph.errors import InputError


def register(sub) -> None:
    p = sub.add_parser("user", help="workbench accounts / 用户账号")
    cmds = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = cmds.add_parser(
        "add", help="create an account; the password is read from stdin / 新建账号，密码从标准输入读取"
    )
    add.add_argument("name", help="login name / 登录名")
    add.add_argument(
        "--role",
        required=True,
        choices=ROLES,
        help="admin: everything incl. users and settings; investigator: moves and assigns cases, "
        "exports; analyst: opens and comments cases, feedback, exports; viewer: reads only / "
        "管理员、调查员、分析员、只读",
    )
    add.add_argument(
        "--region",
        metavar="CODE",
        help="6-digit county (区县) code: the user sees only that region; omit for city-wide / "
        "区县区划代码（6位），不填为全市",
    )
    add_as_option(add)
    add.set_defaults(func=handle_add)
    ls = cmds.add_parser("list", help="list accounts / 列出账号")
    ls.set_defaults(func=handle_list)


def handle_add(args) -> int:
    store = open_cases(args)
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise InputError(
            f"no password on stdin (give at least {MIN_PASSWORD_LENGTH} characters, e.g. "
            f'`read -s P; echo "$P" | bidgraph user add {args.name} --role {args.role}`)'
        )
    user = add_user(store, acting_user(store, args), args.name, password, args.role, args.region)
    print(f"user {user.name} added: role {user.role}, region {user.region_code or 'city-wide'}")
    return 0


def handle_list(args) -> int:
    for u in list_users(open_cases(args)):
        state = "active" if u["active"] else "disabled"
        locked = f" locked until {u['locked_until']}" if u["locked_until"] else ""
        print(f"{u['name']}\t{u['role']}\t{u['region_code'] or 'city-wide'}\t{state}{locked}")
    return 0
