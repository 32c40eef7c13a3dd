"""bidgraph case create|list|show|move|assign|comment: cases from findings, at the command line."""

from __future__ import annotations

import json
import sys
from datetime import date

from bidgraph.cases import cases
from bidgraph.cases.scope import Scope
from bidgraph.commands._cases import acting_user, add_login_option, as_acting_user, loaded_graph, open_cases
from bidgraph.commands._common import add_action, add_group, print_marked, step_and_say
from bidgraph.errors import InputError, NotFound


def register(sub) -> None:
    cmds = add_group(sub, "case", "investigation cases / 案件")

    c = add_action(cmds, "create", handle_create, help="open a case from findings of the loaded graph / 由线索立案")
    c.add_argument("--title", required=True, help="case title / 案件标题")
    c.add_argument(
        "--finding",
        action="append",
        default=[],
        metavar="ID",
        help="finding id from findings.jsonl; repeat for several / 线索编号，可重复",
    )
    c.add_argument(
        "--findings",
        metavar="FILE",
        help="read findings from this .jsonl instead of the workspace's / 从该文件读取线索",
    )
    c.add_argument(
        "--node",
        action="append",
        default=[],
        metavar="LABEL:KEY",
        help="graph node to attach (evidence cart), e.g. Organization:ORG0042 / 附加节点",
    )
    c.add_argument(
        "--kind",
        default="review",
        choices=cases.KINDS,
        help="review: no deadline; challenge (质疑): 7 working days; complaint (投诉): 15 working days "
        "(settings deadline.*) / 案件类型与期限（工作日）",
    )
    c.add_argument("--assignee", help="account to work the case / 承办人")
    c.add_argument(
        "--opened",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="day the matter was received (deadline counts from the next working day; default today) / 受理日",
    )
    add_login_option(c)

    ls = add_action(cmds, "list", handle_list, help="cases you can see, overdue first (marked !) / 案件列表，逾期标 !")
    ls.add_argument("--mine", action="store_true", help="only cases assigned to the acting user / 仅本人承办")
    ls.add_argument("--status", choices=cases.STATUSES, help="only this status / 按状态筛选")
    add_login_option(ls)

    sh = add_action(cmds, "show", handle_show, help="one case with findings and history, as JSON / 查看案件")
    sh.add_argument("case", help="case id, e.g. C-000001")
    add_login_option(sh)

    mv = add_action(cmds, "move", handle_move, help="change status: new→reviewing→referred|dismissed→closed / 变更状态")
    mv.add_argument("case")
    mv.add_argument("status", choices=cases.STATUSES)
    mv.add_argument("--reason", required=True, help="why (recorded with who and when) / 理由")
    add_login_option(mv)

    asg = add_action(cmds, "assign", handle_assign, help="give the case to an account / 指派承办人")
    asg.add_argument("case")
    asg.add_argument("assignee", help="account name, or - to unassign / 账号，- 表示取消")
    add_login_option(asg)

    cm = add_action(cmds, "comment", handle_comment, help="add a comment / 添加备注")
    cm.add_argument("case")
    cm.add_argument("text")
    add_login_option(cm)


def _read_findings(args, graph) -> list[dict]:
    if args.findings:
        try:
            with open(args.findings, encoding="utf-8") as fh:
                return [json.loads(line) for line in fh if line.strip()]
        except OSError as exc:
            raise InputError(f"{args.findings}: cannot read ({exc.strerror})") from exc
        except ValueError as exc:
            raise InputError(f"{args.findings}: not JSON Lines ({exc})") from exc
    return graph.findings() if graph is not None else []


def handle_create(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    graph, index = loaded_graph(args, required=not args.findings)
    by_id = {f.get("id"): f for f in _read_findings(args, graph)}
    missing = [fid for fid in args.finding if fid not in by_id]
    if missing:
        raise NotFound(f"finding(s) {', '.join(missing)} not in the findings (run `bidgraph detect` first?)")
    case = cases.create_case(
        store,
        actor,
        args.title,
        [by_id[fid] for fid in args.finding],
        kind=args.kind,
        nodes=args.node,
        assignee=args.assignee,
        index=index,
        opened_on=args.opened,
    )
    print(f"{case['id']} opened: {len(case['findings'])} finding(s), deadline {case['deadline'] or 'none'}")
    return 0


def handle_list(args) -> int:
    return print_marked(as_acting_user(args, cases.list_cases, mine=args.mine, status=args.status), _described)


def _described(c: dict) -> str:
    left = "" if c["workdays_left"] is None else f"{c['workdays_left']} workdays left"
    return (
        f"{c['status']}\t{c['kind']}\t{c['assignee'] or '-'}\t"
        f"deadline {c['deadline'] or '-'} {left}\t{c['findings_count']} findings\t{c['title']}"
    )


SINCE_OPENED = {
    "changed": "changed since the case was opened / 立案后已变化",
    "gone": "gone since the case was opened (the last batch no longer finds it) / 立案后已消失（最近一次检测未再发现）",
}


def handle_show(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    # with the loaded graph, a county user's cross-county findings are cut to their part, not left out whole
    graph, index = loaded_graph(args, required=False)
    case = cases.get_case(store, actor, args.case, index=index)
    if graph is not None:  # how its findings stand in the last batch, seen as the case is
        current = Scope.of(actor).cut_findings(graph.findings(), index)
        case["since_opened"] = cases.findings_since_opened(case, current)
    print(json.dumps(case, ensure_ascii=False, indent=1))
    for item in case.get("since_opened", []):
        if item["state"] != "unchanged":
            print(f"{item['id']}: {SINCE_OPENED[item['state']]}", file=sys.stderr)
    return 0


def handle_move(args) -> int:
    return step_and_say(args, cases.transition, args.case, args.status, args.reason, said="{id} is now {status}")


def handle_assign(args) -> int:
    store = open_cases(args)
    who = None if args.assignee == "-" else args.assignee
    case = cases.assign(store, acting_user(store, args), args.case, who)
    print(f"{case['id']} assigned to {case['assignee'] or 'nobody'}")
    return 0


def handle_comment(args) -> int:
    as_acting_user(args, cases.add_comment, args.case, args.text)
    print(f"comment added to {args.case}")
    return 0
