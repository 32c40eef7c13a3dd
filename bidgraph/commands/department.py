"""bidgraph department add|list|user: the departments items are sent to, and their accounts."""

from __future__ import annotations

import sys

from bidgraph.cases import departments
from bidgraph.commands._cases import acting_user, add_login_option, as_acting_user, open_cases
from bidgraph.commands._common import add_action, add_group
from bidgraph.errors import InputError


def register(sub) -> None:
    cmds = add_group(sub, "department", "departments that warnings and complaints are sent to / 责任部门")
    add = add_action(cmds, "add", handle_add, help="record a department (admins) / 新增部门（管理员）")
    add.add_argument("name", help="department name / 部门名称")
    add.add_argument(
        "--kind",
        required=True,
        choices=departments.KINDS,
        help="industry_regulator 行业主管部门, audit 审计, discipline 纪委监委, trading_centre 交易中心",
    )
    add.add_argument(
        "--region", metavar="CODE", help="6-digit county code; omit for city-wide / 区县区划代码，不填为全市"
    )
    add_login_option(add)
    add_login_option(add_action(cmds, "list", handle_list, help="departments you may send to / 部门列表"))
    user = add_action(
        cmds,
        "user",
        handle_user,
        help="create an account of the department (role department); password on stdin (admins) / "
        "新建部门账号（密码从标准输入读取）",
    )
    user.add_argument("department", help="department id, e.g. DEP-001 / 部门编号")
    user.add_argument("name", help="login name / 登录名")
    add_login_option(user)


def handle_add(args) -> int:
    dep = as_acting_user(args, departments.add_department, args.name, args.kind, args.region)
    print(
        f"{dep['id']} {dep['name']} added ({departments.KINDS[dep['kind']]}, {dep['region_code'] or 'city-wide 全市'})"
    )
    return 0


def handle_list(args) -> int:
    for d in as_acting_user(args, departments.list_departments):
        region = d["region_code"] or "city-wide 全市"
        print(f"{d['id']}\t{d['name']}\t{departments.KINDS[d['kind']]}\t{region}\t{', '.join(d['users']) or '-'}")
    return 0


def handle_user(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError("no password on stdin (one line, at least 8 characters) / 未从标准输入读到密码")
    user = departments.add_department_user(store, actor, args.department, args.name, password)
    print(f"user {user.name} added to {args.department} (role department, region {user.region_code or 'city-wide'})")
    return 0
