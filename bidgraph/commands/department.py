"""bidgraph department add|list|user: the departments items are sent to, and their accounts."""

from __future__ import annotations

from bidgraph.cases import departments
from bidgraph.commands._actions import Command, arg
from bidgraph.commands._cases import LOGIN, acting_user, as_acting_user, open_cases, password_from_stdin

COMMAND = Command("department", "departments that warnings and complaints are sent to / 责任部门")
register = COMMAND.register


@COMMAND.action(
    "record a department (admins) / 新增部门（管理员）",
    arg("name", help="department name / 部门名称"),
    arg(
        "--kind",
        required=True,
        choices=departments.KINDS,
        help="industry_regulator 行业主管部门, audit 审计, discipline 纪委监委, trading_centre 交易中心",
    ),
    arg("--region", metavar="CODE", help="6-digit county code; omit for city-wide / 区县区划代码，不填为全市"),
    LOGIN,
)
def handle_add(args) -> int:
    dep = as_acting_user(args, departments.add_department, args.name, args.kind, args.region)
    print(
        f"{dep['id']} {dep['name']} added ({departments.KINDS[dep['kind']]}, {dep['region_code'] or 'city-wide 全市'})"
    )
    return 0


@COMMAND.action("departments you may send to / 部门列表", LOGIN)
def handle_list(args) -> int:
    for d in as_acting_user(args, departments.list_departments):
        region = d["region_code"] or "city-wide 全市"
        print(f"{d['id']}\t{d['name']}\t{departments.KINDS[d['kind']]}\t{region}\t{', '.join(d['users']) or '-'}")
    return 0


@COMMAND.action(
    "create an account of the department (role department); password on stdin (admins) / "
    "新建部门账号（密码从标准输入读取）",
    arg("department", help="department id, e.g. DEP-001 / 部门编号"),
    arg("name", help="login name / 登录名"),
    LOGIN,
)
def handle_user(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    password = password_from_stdin("no password on stdin (one line, at least 8 characters) / 未从标准输入读到密码")
    user = departments.add_department_user(store, actor, args.department, args.name, password)
    print(f"user {user.name} added to {args.department} (role department, region {user.region_code or 'city-wide'})")
    return 0
