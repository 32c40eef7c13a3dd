"""bidgraph pack CASE --out pack.zip [--image graph.png] [--key FILE] | pack verify pack.zip [--public-key FILE]."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from bidgraph.cases.cases import get_case
from bidgraph.cases.db import DB_NAME
from bidgraph.cases.pack import export_pack, gather_evidence, verify_pack
from bidgraph.commands._cases import (
    KEY_ENV,
    LOGIN,
    OFFICE_KEY,
    PUBLIC_KEYS,
    acting_user,
    loaded_graph,
    open_cases,
    print_verdict,
    trusted_keys,
)
from bidgraph.errors import InputError


def register(sub) -> None:
    p = sub.add_parser("pack", help="evidence pack of a case (zip), or `pack verify FILE` / 证据包")
    p.add_argument(
        "target", metavar="CASE|verify", help="case id (e.g. C-000001), or the word verify / 案件编号或 verify"
    )
    p.add_argument("file", nargs="?", help="with verify: the pack to check / 待校验的证据包")
    p.add_argument("--out", help="zip to write (default CASE.zip) / 输出文件")
    p.add_argument("--image", help="PNG of the graph to include / 关系图图片")
    for option in (LOGIN, OFFICE_KEY, PUBLIC_KEYS):
        option.add_to(p)
    p.set_defaults(func=handle)


def handle(args) -> int:
    if args.target == "verify":
        return _verify(args)
    store = open_cases(args)
    actor = acting_user(store, args)
    graph, index = loaded_graph(args, required=True)
    case = get_case(store, actor, args.target, index=index)
    tables, subgraph = gather_evidence(graph, case)
    image = None
    if args.image:
        try:
            image = Path(args.image).read_bytes()
        except OSError as exc:
            raise InputError(f"{args.image}: cannot read the image ({exc.strerror})") from exc
    out = export_pack(store, actor, args.target, tables, subgraph, args.out or f"{args.target}.zip", image, index)
    print(f"wrote {out} (SHA-256 {hashlib.sha256(out.read_bytes()).hexdigest()}, recorded in the audit trail)")
    if store.signer is None:
        print(
            f"bidgraph: warning: the pack is NOT signed (set {KEY_ENV} or pass --key); it can only be verified "
            f"in this workspace / 警告：证据包未签名，只能在本工作区核验",
            file=sys.stderr,
        )
    else:
        print(f"signed by office key {store.signer.public.fingerprint} / 已用单位密钥签名")
    return 0


def _verify(args) -> int:
    if not args.file:
        raise InputError("usage: bidgraph pack verify PACK.zip [--public-key FILE]")
    store = open_cases(args, signing=False)
    here = store.path.exists()
    report = verify_pack(args.file, store if here else None, trusted_keys(store, args))
    checked = f"{report.files_checked} files"
    checked += f", signed by office key {report.signed_by}" if report.signed_by else ", not signed"
    checked += "" if here else f"; no {DB_NAME} here, audit link not checked"
    return print_verdict(
        f"pack OK: {args.file} ({checked}, case {report.manifest.get('case_id')})",
        f"pack CHANGED: {args.file}",
        report.problems,
    )
