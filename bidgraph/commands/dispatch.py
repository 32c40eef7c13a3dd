"""bidgraph dispatch send|reply|check|close|list|escalate|report: warnings and cases sent to
departments with deadlines, answered, escalated, checked and closed (docs/supervision.md)."""

from __future__ import annotations

import hashlib
from datetime import date

from bidgraph.cases import batches, dispatch, performance
from bidgraph.commands._actions import Command, arg, one_of
from bidgraph.commands._cases import LOGIN, acting_user, as_acting_user, loaded_graph, open_cases
from bidgraph.commands._common import print_marked, step_and_say
from bidgraph.errors import InputError, NotFound

COMMAND = Command("dispatch", "send warnings and cases to departments, supervise them / 推送督办")
register = COMMAND.register


def _selected(args, graph) -> tuple[list[dict], dict]:
    """The findings to send and the rule that chose them."""
    findings = graph.findings()
    if args.detector:
        rule = {"detector": args.detector, "tenderer": args.tenderer, "from": args.date_from, "to": args.date_to}
        if not (args.tenderer or args.date_from or args.date_to):
            raise InputError("a batch rule needs --tenderer or --from/--to / 批量规则需指定招标人或日期范围")
        chosen = batches.select_findings(
            findings,
            graph.snapshot(),
            args.detector,
            tenderer=args.tenderer,
            date_from=args.date_from,
            date_to=args.date_to,
        )
        return chosen, {k: (v.isoformat() if isinstance(v, date) else v) for k, v in rule.items() if v}
    by_id = {f.get("id"): f for f in findings}
    missing = [fid for fid in args.finding if fid not in by_id]
    if missing:
        raise NotFound(
            f"finding(s) {', '.join(missing)} not in the findings (run `bidgraph detect` first?) / 未找到线索"
        )
    return [by_id[fid] for fid in args.finding], {"findings": args.finding}


@COMMAND.action(
    "send findings (one, several, or by rule) or a case / 推送线索或案件",
    arg("--department", required=True, metavar="DEP", help="department id / 部门编号"),
    arg(
        "--action", required=True, choices=dispatch.ACTIONS, help="verify 核实, rectify 整改, penalise 处罚, refer 移送"
    ),
    arg("--days", type=int, required=True, help="deadline in working days / 期限（工作日）"),
    one_of(
        arg("--finding", action="append", metavar="ID", help="finding id; repeat for a batch / 线索编号"),
        arg("--case", metavar="CASE", help="case id / 案件编号"),
        arg(
            "--detector", help="batch: every finding of this detector (with --tenderer and/or --from/--to) / 按规则批量"
        ),
    ),
    arg("--tenderer", metavar="ORG", help="batch rule: findings concerning this tenderer / 招标人"),
    arg("--from", dest="date_from", type=date.fromisoformat, metavar="YYYY-MM-DD", help="batch rule: dated from / 起"),
    arg("--to", dest="date_to", type=date.fromisoformat, metavar="YYYY-MM-DD", help="batch rule: dated up to / 止"),
    LOGIN,
)
def handle_send(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    common = (store, actor, args.department, args.action, args.days)
    if args.case:
        item = dispatch.send(*common, case_id=args.case)
        print(f"{item['id']} sent: case {args.case} to {item['department_id']}, due {item['deadline']} / 已推送")
        return 0
    graph, index = loaded_graph(args, required=True)
    findings, rule = _selected(args, graph)
    if len(findings) == 1 and not args.detector:
        item = dispatch.send(*common, finding=findings[0], index=index)
        print(f"{item['id']} sent: {findings[0]['id']} to {item['department_id']}, due {item['deadline']} / 已推送")
        return 0
    batch = dispatch.send_batch(*common, findings, rule, index=index)
    print(f"batch {batch['id']}: {len(batch['items'])} item(s) sent ({', '.join(batch['items'])}) / 批量推送")
    return 0


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}) / 无法读取附件") from exc
    return digest.hexdigest()


@COMMAND.action(
    "the department's answer (department accounts) / 部门答复",
    arg("dispatch", help="dispatch id, e.g. D-000001"),
    arg("--result", required=True, help="what was done / 处理结果"),
    arg("--attachment", action="append", default=[], metavar="FILE", help="a file whose SHA-256 is recorded / 附件"),
    LOGIN,
)
def handle_reply(args) -> int:
    store = open_cases(args)
    hashes = [_sha256(path) for path in args.attachment]
    item = dispatch.reply(store, acting_user(store, args), args.dispatch, args.result, hashes)
    print(f"{item['id']} answered with {len(hashes)} attachment(s) / 已答复")
    return 0


@COMMAND.action(
    "check an answer: rectified or sent back / 整改核查",
    arg("dispatch"),
    one_of(
        arg("--rectified", action="store_true", help="整改到位"),
        arg("--not-rectified", action="store_true", help="未到位: back to the department / 退回"),
    ),
    arg("--reason", required=True, help="why / 理由"),
    arg("--days", type=int, help="new deadline in working days (default: as the first) / 新期限"),
    LOGIN,
)
def handle_check(args) -> int:
    item = as_acting_user(args, dispatch.check, args.dispatch, args.rectified, args.reason, args.days)
    if item["status"] == "rectified":
        print(f"{item['id']} rectified / 整改到位")
    else:
        print(f"{item['id']} not rectified: back to {item['department_id']}, due {item['deadline']} / 未到位，已退回")
    return 0


@COMMAND.action("close with a reason / 办结", arg("dispatch"), arg("--reason", required=True, help="why / 理由"), LOGIN)
def handle_close(args) -> int:
    return step_and_say(args, dispatch.close, args.dispatch, args.reason, said="{id} closed / 已办结")


@COMMAND.action(
    "items you may see, overdue first (marked !) / 督办事项列表",
    arg("--status", choices=dispatch.STATUSES),
    arg("--department", metavar="DEP"),
    arg("--overdue", action="store_true", help="only overdue items / 仅逾期"),
    LOGIN,
)
def handle_list(args) -> int:
    items = as_acting_user(
        args, dispatch.list_dispatches, status=args.status, department_id=args.department, overdue=args.overdue
    )
    return print_marked(items, _described)


def _described(d: dict) -> str:
    flag = " 督办" if d["escalated"] else ""
    return (
        f"{d['status']} {dispatch.STATUSES[d['status']]}{flag}\t{d['department_id']}\t"
        f"{d['action']} {dispatch.ACTIONS[d['action']]}\tdeadline {d['deadline']}\t{d['subject_kind']} {d['subject_id']}"
    )


@COMMAND.action(
    "mark overdue items 督办 and notify their senders / 逾期督办",
    arg("dispatch", nargs="?", help="only this item (default: every overdue one you may see)"),
    LOGIN,
)
def handle_escalate(args) -> int:
    done = as_acting_user(args, dispatch.escalate, args.dispatch)
    print(f"{len(done)} item(s) escalated (督办){': ' + ', '.join(done) if done else ''} / 已督办 {len(done)} 项")
    return 0


@COMMAND.action(
    "department performance for a month / 督办效率考核",
    arg("--period", required=True, metavar="YYYY-MM"),
    arg("--xlsx", metavar="FILE", help="also write an Excel file / 导出 Excel"),
    LOGIN,
)
def handle_report(args) -> int:
    rows = as_acting_user(args, performance.performance, args.period)
    print("\t".join(f"{en} {zh}" for en, zh in performance.COLUMNS.items()))
    for row in rows:
        print("\t".join("-" if row[k] is None else str(row[k]) for k in performance.COLUMNS))
    if args.xlsx:
        print(f"written {performance.write_xlsx(rows, args.xlsx, args.period)} / 已导出")
    return 0
