"""bidgraph serve [--host 127.0.0.1] [--port 8050] [--no-auth]: the investigators' workbench."""

from __future__ import annotations

from bidgraph.errors import InputError
from bidgraph.graph.api import open_store

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def register(sub) -> None:
    p = sub.add_parser(
        "serve", help="serve the workbench (Dash) over the workspace's graph and findings / 启动分析工作台"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only) / 监听地址（默认仅本机）",
    )
    p.add_argument("--port", type=int, default=8050, help="port (default 8050) / 端口（默认 8050）")
    p.add_argument(
        "--no-auth",
        action="store_true",
        help="serve without login (single user, no cases, no audit); the page shows a warning banner. "
        "Default: login with the accounts of `bidgraph user add` (sessions 8 h; wrong passwords slow down "
        "further attempts from the same address, no account is locked) / 不启用登录（单用户，无案件与审计，"
        "页面显示警示横幅）；默认需登录（会话 8 小时；密码错误后同一地址的尝试逐步延时，不锁定账号）",
    )
    p.add_argument(
        "--public",
        action="store_true",
        help="also serve the public page /public without login: aggregate figures only (projects, bids, "
        "warnings per kind and region, inspection results), no personal data, no open leads. Off by default "
        "/ 同时开放公开专栏 /public（免登录，仅汇总数字，不含个人信息与未结线索；默认关闭）",
    )
    p.add_argument(
        "--lang",
        default="zh",
        choices=["zh", "en"],
        help="default page language (zh: Simplified Chinese) / 默认界面语言",
    )
    p.set_defaults(func=handle)


def _auth(args):
    """Login over the workspace's accounts; refuses to start before an admin account exists.
    With the office key configured, packs are signed and the audit trail checkpointed."""
    from bidgraph.cases import users
    from bidgraph.commands._cases import open_cases
    from bidgraph.workbench.auth import Auth

    cases = open_cases(args)
    if not any(u["role"] == "admin" and u["active"] for u in users.list_users(cases)):
        raise InputError(
            "no admin account yet: run `bidgraph user add NAME --role admin` first "
            "(or `bidgraph serve --no-auth` for a single-user session)"
        )
    return Auth(cases)


def handle(args) -> int:
    from bidgraph.workbench.app import run_server

    workspace = getattr(args, "workspace", None)
    no_auth = getattr(args, "no_auth", False)
    if no_auth and args.host not in LOOPBACK:
        print(f"bidgraph: warning: serving without login on {args.host}: anyone on the network can read the data")
    auth = None if no_auth else _auth(args)
    store = open_store(workspace)
    store.info()  # fail now, with the store's own message, rather than on the first page
    public = getattr(args, "public", False)
    print(f"bidgraph workbench: http://{args.host}:{args.port}/  (Ctrl+C to stop)")
    if public:
        print(f"bidgraph public page (no login): http://{args.host}:{args.port}/public")
    run_server(store, args.host, args.port, lang=getattr(args, "lang", "zh"), auth=auth, public=public)
    return 0
