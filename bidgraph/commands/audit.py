"""bidgraph audit verify [--file EXPORT] [--public-key F] [--witness F] | audit export --out FILE |
audit checkpoint [--export FILE]."""

from __future__ import annotations

import json
from pathlib import Path

from bidgraph.cases import audit
from bidgraph.cases.users import require
from bidgraph.commands._actions import Command, arg
from bidgraph.commands._cases import (
    LOGIN,
    OFFICE_KEY,
    PUBLIC_KEYS,
    acting_user,
    open_cases,
    print_verdict,
    trusted_keys,
)

COMMAND = Command("audit", "the tamper-evident audit trail / 审计日志")
register = COMMAND.register


def _print(report: audit.AuditReport, where: str) -> int:
    signed = report.signed
    seal = (
        f"signed through seq {signed['seq']} by key {signed['key']} at {signed['time']}"
        if signed
        else "NOT SIGNED: no valid office-key checkpoint / 未签名"
    )
    return print_verdict(
        f"audit trail OK: {report.entries} entries, head seq {report.head['seq']} hash {report.head['hash']}; "
        f"{seal} ({where})",
        f"audit trail TAMPERED ({where}):",
        report.problems,
    )


@COMMAND.action(
    "check the hash chain, its anchor and its signed checkpoints; exit 1 if anything was edited, "
    "deleted, reordered or recomputed / 校验哈希链与签名检查点，被改动则退出码为1",
    arg(
        "--file",
        help="verify an exported .jsonl/.csv instead of the workspace (the tail cannot be "
        "checked without the anchor) / 校验导出文件",
    ),
    arg(
        "--witness",
        action="append",
        default=[],
        metavar="FILE",
        help="a checkpoint kept outside (from `audit checkpoint --export`): the chain must still hold it "
        "(repeatable) / 外部保存的检查点文件",
    ),
    PUBLIC_KEYS,
)
def handle_verify(args) -> int:
    if args.file:
        return _print(audit.verify_entries(audit.read_export(args.file), anchor=None), args.file)
    store = open_cases(args, signing=False)
    witnesses = [audit.read_witness(path) for path in args.witness]
    return _print(audit.verify(store, trusted_keys(store, args), witnesses), str(store.path))


@COMMAND.action(
    "write every entry for an auditor (.jsonl or .csv; admins) / 导出审计日志",
    arg("--out", required=True, help="output file, .jsonl or .csv / 输出文件"),
    LOGIN,
)
def handle_export(args) -> int:
    store = open_cases(args)
    actor = acting_user(store, args)
    require(actor, "audit.export")
    report = audit.export(store, args.out, actor.name, audit.recorded_keys(store))
    print(f"wrote {report.entries} entries to {args.out}")
    return _print(report, str(store.path))


@COMMAND.action(
    "sign the chain's head with the office key now (admins) / 立即用单位密钥对日志签名",
    arg(
        "--export",
        metavar="FILE",
        help="also write the checkpoint to FILE for another department to keep / 导出检查点交由其他部门保存",
    ),
    OFFICE_KEY,
    LOGIN,
)
def handle_checkpoint(args) -> int:
    store = open_cases(args)
    require(acting_user(store, args), "audit.checkpoint")
    witness = audit.checkpoint(store)
    statement = witness["statement"]
    print(f"checkpoint signed: seq {statement['seq']} hash {statement['hash']} key {statement['key']}")
    if args.export:
        Path(args.export).write_text(json.dumps(witness, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.export}: give it to another department to keep / 请交由其他部门保存")
    return 0
