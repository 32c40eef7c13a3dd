"""bidgraph complaint add|import|transfer|reply|list|case: complaints, challenges and reports
(投诉、质疑、举报) with their statutory deadlines (docs/supervision.md)."""

from __future__ import annotations

from datetime import date

from bidgraph.cases import complaints
from bidgraph.commands._actions import Command, arg, one_of
from bidgraph.commands._cases import LOGIN, acting_user, as_acting_user, loaded_graph, open_cases
from bidgraph.commands._common import print_marked, step_and_say
from bidgraph.errors import NotFound

COMMAND = Command("complaint", "complaints and challenges / 投诉质疑")
register = COMMAND.register


@COMMAND.action(
    "take in a complaint, challenge or report / 受理",
    arg(
        "--kind",
        required=True,
        choices=complaints.KINDS,
        help="challenge 质疑 (7 working days), complaint 投诉 (15), report 举报 (no deadline)",
    ),
    one_of(
        arg("--lot", metavar="LOT", help="lot id / 标段编号"),
        arg("--project", metavar="PROJECT", help="project id / 项目编号"),
    ),
    arg("--complainant", metavar="ORG", help="complainant org id / 投诉人"),
    arg("--received", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD", help="day received / 收到日期"),
    arg("--grounds", required=True, help="grounds / 事由"),
    LOGIN,
)
def handle_add(args) -> int:
    store = open_cases(args)
    _, index = loaded_graph(args, required=False)
    intake = complaints.Intake(args.kind, args.grounds, args.received, args.lot, args.project, args.complainant)
    item = complaints.add_complaint(store, acting_user(store, args), intake, index)
    print(
        f"{item['id']} received ({complaints.KINDS[item['kind']]}), reply due {item['deadline'] or 'no deadline 无法定期限'}"
    )
    return 0


@COMMAND.action("take the loaded bundle's complaints table in / 导入数据包中的投诉质疑", LOGIN)
def handle_import(args) -> int:
    store = open_cases(args)
    graph, index = loaded_graph(args, required=True)
    table = graph.snapshot().tables.get("complaints")
    if table is None:
        raise NotFound("the loaded bundle has no complaints table / 已加载的数据包中没有投诉质疑表")
    done = complaints.import_table(store, acting_user(store, args), table, index)
    print(
        f"{len(done['added'])} taken in, {done['already']} already there, {done['outside']} outside your region / "
        f"新导入 {len(done['added'])} 条，已存在 {done['already']} 条，辖区外 {done['outside']} 条"
    )
    return 0


@COMMAND.action(
    "transfer to the competent department / 转办",
    arg("complaint", help="complaint id, e.g. Q-000001"),
    arg("--department", required=True, metavar="DEP"),
    arg("--note", default="", help="note to the department / 转办说明"),
    LOGIN,
)
def handle_transfer(args) -> int:
    said = "{id} transferred to {department_id} / 已转办"
    return step_and_say(args, complaints.transfer, args.complaint, args.department, args.note, said=said)


@COMMAND.action(
    "record the written reply / 书面答复", arg("complaint"), arg("text", help="the reply / 答复内容"), LOGIN
)
def handle_reply(args) -> int:
    return step_and_say(args, complaints.reply, args.complaint, args.text, said="{id} replied on {replied_on} / 已答复")


@COMMAND.action(
    "complaints you may see, overdue first (marked !) / 列表，逾期标 !",
    arg("--status", choices=complaints.STATUSES),
    arg("--overdue", action="store_true", help="only overdue / 仅逾期"),
    LOGIN,
)
def handle_list(args) -> int:
    items = as_acting_user(args, complaints.list_complaints, status=args.status, overdue=args.overdue)
    return print_marked(items, _described)


def _described(c: dict) -> str:
    return (
        f"{c['kind']} {complaints.KINDS[c['kind']]}\t{c['status']} {complaints.STATUSES[c['status']]}"
        f"\tdeadline {c['deadline'] or '-'}\t{c['lot_id'] or c['project_id']}\t{c['grounds'][:40]}"
    )


@COMMAND.action(
    "open a case from the complaint with findings / 转为案件",
    arg("complaint"),
    arg("--finding", action="append", default=[], metavar="ID", help="finding id; repeatable / 线索编号"),
    LOGIN,
)
def handle_case(args) -> int:
    store = open_cases(args)
    graph, index = loaded_graph(args, required=bool(args.finding))
    by_id = {f.get("id"): f for f in (graph.findings() if graph is not None else [])}
    missing = [fid for fid in args.finding if fid not in by_id]
    if missing:
        raise NotFound(f"finding(s) {', '.join(missing)} not in the findings / 未找到线索")
    case = complaints.to_case(store, acting_user(store, args), args.complaint, [by_id[f] for f in args.finding], index)
    print(f"{args.complaint} is now case {case['id']}, deadline {case['deadline'] or 'none'} / 已转为案件")
    return 0
