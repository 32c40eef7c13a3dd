"""bidgraph audit verify [--file EXPORT] | bidgraph audit export --out FILE."""

from __future__ import annotations

from bidgraph.cases import audit
from bidgraph.commands._cases import acting_user, open_cases, print_verdict


def register(sub) -> None:
    p = sub.add_parser("audit", help="the tamper-evident audit trail / 审计日志")
    cmds = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = cmds.add_parser(
        "verify",
        help="check the hash chain and its anchor; exit 1 if anything was edited, "
        "deleted or reordered / 校验哈希链，被改动则退出码为1",
    )
    v.add_argument(
        "--file",
        help="verify an exported .jsonl/.csv instead of the workspace (the tail cannot be "
        "checked without the anchor) / 校验导出文件",
    )
    v.set_defaults(func=handle_verify)
    e = cmds.add_parser("export", help="write every entry for an auditor (.jsonl or .csv) / 导出审计日志")
    e.add_argument("--out", required=True, help="output file, .jsonl or .csv / 输出文件")
    e.set_defaults(func=handle_export)


def _print(report: audit.AuditReport, where: str) -> int:
    return print_verdict(
        f"audit trail OK: {report.entries} entries, head seq {report.head['seq']} hash {report.head['hash']} ({where})",
        f"audit trail TAMPERED ({where}):",
        report.problems,
    )


def handle_verify(args) -> int:
    if args.file:
        return _print(audit.verify_entries(audit.read_export(args.file), anchor=None), args.file)
    store = open_cases(args)
    return _print(audit.verify(store), str(store.path))


def handle_export(args) -> int:
    store = open_cases(args)
    report = audit.export(store, args.out, acting_user(store, args).name)
    print(f"wrote {report.entries} entries to {args.out}")
    return _print(report, str(store.path))
