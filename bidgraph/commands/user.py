"""bidgraph user add NAME --role R [--region CODE] (password on stdin) | user list | user token NAME."""

from __future__ import annotations

import sys

from bidgraph.cases.users import MIN_PASSWORD_LENGTH, ROLES, add_user, create_token, list_users, require, revoke_tokens
from bidgraph.commands._actions import Command, arg
from bidgraph.commands._cases import LOGIN, TOKEN_ENV, acting_user, open_cases, password_from_stdin

COMMAND = Command("user", "workbench accounts / 用户账号")
register = COMMAND.register


@COMMAND.action(
    "create an account (admins; on an empty store anyone may create the first admin); the password "
    "is read from stdin / 新建账号（管理员；空库时可创建首个管理员），密码从标准输入读取",
    arg("name", help="login name / 登录名"),
    arg(
        "--role",
        required=True,
        choices=ROLES,
        help="admin: everything incl. users and settings; investigator: moves and assigns cases, "
        "exports; analyst: opens and comments cases, feedback, exports; viewer: reads only / "
        "管理员、调查员、分析员、只读",
    ),
    arg(
        "--region",
        metavar="CODE",
        help="6-digit county (区县) code: the user sees only that region; omit for city-wide / "
        "区县区划代码（6位），不填为全市",
    ),
    LOGIN,
)
def handle_add(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    password = password_from_stdin(
        f"no password on stdin (give at least {MIN_PASSWORD_LENGTH} characters, e.g. "
        f'`read -s P; echo "$P" | bidgraph user add {args.name} --role {args.role}`)'
    )
    user = add_user(store, actor, args.name, password, args.role, args.region)
    print(f"user {user.name} added: role {user.role}, region {user.region_code or 'city-wide'} (by {actor.name})")
    return 0


@COMMAND.action("list accounts (admins) / 列出账号（管理员）", LOGIN)
def handle_list(args) -> int:
    store = open_cases(args)
    require(acting_user(store, args), "user.manage")
    for u in list_users(store):
        state = "active" if u["active"] else "disabled"
        print(f"{u['name']}\t{u['role']}\t{u['region_code'] or 'city-wide'}\t{state}")
    return 0


@COMMAND.action(
    f"create an API token for the account, printed once (use it as {TOKEN_ENV}); admins / "
    "为账号创建 API 令牌（仅显示一次）",
    arg("name", help="account / 账号"),
    arg("--revoke", action="store_true", help="revoke all its tokens instead / 撤销其全部令牌"),
    LOGIN,
)
def handle_token(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    if args.revoke:
        print(f"revoked {revoke_tokens(store, actor, args.name)} token(s) of {args.name} / 已撤销令牌")
        return 0
    token = create_token(store, actor, args.name)
    print(token)
    print(
        f"API token for {args.name}: shown only this once; keep it secret and pass it as {TOKEN_ENV} / "
        f"{args.name} 的 API 令牌仅显示这一次，请妥善保管，通过 {TOKEN_ENV} 使用",
        file=sys.stderr,
    )
    return 0
