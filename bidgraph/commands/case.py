"""bidgraph case create|list|show|move|assign|comment: cases from findings, at the command line."""

from __future__ import annotations

import json
import sys
from datetime import date

from bidgraph.cases import cases
from bidgraph.cases.scope import Scope
from bidgraph.commands._actions import Command, arg
from bidgraph.commands._cases import LOGIN, acting_user, as_acting_user, loaded_graph, open_cases
from bidgraph.commands._common import print_marked, step_and_say
from bidgraph.detectors.core import settings as detector_settings
from bidgraph.errors import InputError, NotFound

COMMAND = Command("case", "investigation cases / 案件")
register = COMMAND.register


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


@COMMAND.action(
    "open a case from findings of the loaded graph / 由线索立案",
    arg("--title", required=True, help="case title / 案件标题"),
    arg(
        "--finding",
        action="append",
        default=[],
        metavar="ID",
        help="finding id from findings.jsonl; repeat for several / 线索编号，可重复",
    ),
    arg(
        "--findings",
        metavar="FILE",
        help="read findings from this .jsonl instead of the workspace's / 从该文件读取线索",
    ),
    arg(
        "--node",
        action="append",
        default=[],
        metavar="LABEL:KEY",
        help="graph node to attach (evidence cart), e.g. Organization:ORG0042 / 附加节点",
    ),
    arg(
        "--kind",
        default="review",
        choices=cases.KINDS,
        help="review: no deadline; challenge (质疑): 7 working days; complaint (投诉): 15 working days "
        "(settings deadline.*) / 案件类型与期限（工作日）",
    ),
    arg("--assignee", help="account to work the case / 承办人"),
    arg(
        "--opened",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="day the matter was received (deadline counts from the next working day; default today) / 受理日",
    ),
    LOGIN,
)
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


@COMMAND.action(
    "cases you can see, overdue first (marked !) / 案件列表，逾期标 !",
    arg("--mine", action="store_true", help="only cases assigned to the acting user / 仅本人承办"),
    arg("--status", choices=cases.STATUSES, help="only this status / 按状态筛选"),
    LOGIN,
)
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


@COMMAND.action(
    "one case with findings and history, as JSON / 查看案件", arg("case", help="case id, e.g. C-000001"), LOGIN
)
def handle_show(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    # with the loaded graph, a county user's cross-county findings are cut to their part, not left out whole
    graph, index = loaded_graph(args, required=False)
    case = cases.get_case(store, actor, args.case, index=index)
    if graph is not None:  # how its findings stand in the last batch, seen as the case is
        current = Scope.of(actor).cut_findings(graph.findings(), index)
        min_change = detector_settings.settings_for(args.workspace)["run"]["min_score_change"]
        case["since_opened"] = cases.findings_since_opened(case, current, min_change)
    print(json.dumps(case, ensure_ascii=False, indent=1))
    for item in case.get("since_opened", []):
        if item["state"] != "unchanged":
            print(f"{item['id']}: {SINCE_OPENED[item['state']]}", file=sys.stderr)
    return 0


@COMMAND.action(
    "change status: new→reviewing→referred|dismissed→closed / 变更状态",
    arg("case"),
    arg("status", choices=cases.STATUSES),
    arg("--reason", required=True, help="why (recorded with who and when) / 理由"),
    LOGIN,
)
def handle_move(args) -> int:
    return step_and_say(args, cases.transition, args.case, args.status, args.reason, said="{id} is now {status}")


@COMMAND.action(
    "give the case to an account / 指派承办人",
    arg("case"),
    arg("assignee", help="account name, or - to unassign / 账号，- 表示取消"),
    LOGIN,
)
def handle_assign(args) -> int:
    store = open_cases(args)
    who = None if args.assignee == "-" else args.assignee
    case = cases.assign(store, acting_user(store, args), args.case, who)
    print(f"{case['id']} assigned to {case['assignee'] or 'nobody'}")
    return 0


@COMMAND.action("add a comment / 添加备注", arg("case"), arg("text"), LOGIN)
def handle_comment(args) -> int:
    as_acting_user(args, cases.add_comment, args.case, args.text)
    print(f"comment added to {args.case}")
    return 0
