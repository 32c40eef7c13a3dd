"""bidgraph serve [--host 127.0.0.1] [--port 8050] [--no-auth]: the investigators' workbench."""
from __future__ import annotations

from bidgraph.errors import InputError
from bidgraph.graph.api import open_store

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the workbench (Dash) over the workspace's graph and findings / 启动分析工作台")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only) / 监听地址（默认仅本机）")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050) / 端口（默认 8050）")
    p.add_argument("--no-auth", action="store_true",
                   help="serve without login; the page shows a warning banner / 不启用登录（页面显示警示横幅）")
    p.add_argument("--lang", default="zh", choices=["zh", "en"],
                   help="default page language (zh: Simplified Chinese) / 默认界面语言")
    p.set_defaults(func=handle)


def handle(args) -> int:
    from bidgraph.workbench.app import run_server

    if not getattr(args, "no_auth", False):
        # Login, roles and region scope (issue 6) plug in here as create_app(auth=...).
        raise InputError("login is not available in this build yet; run `bidgraph serve --no-auth` "
                         "(serves everyone who can reach the address, with a warning banner)")
    if args.host not in LOOPBACK:
        print(f"bidgraph: warning: serving without login on {args.host}: anyone on the network can read the data")
    store = open_store(getattr(args, "workspace", None))
    store.info()  # fail now, with the store's own message, rather than on the first page
    print(f"bidgraph workbench: http://{args.host}:{args.port}/  (Ctrl+C to stop)")
    run_server(store, args.host, args.port, lang=getattr(args, "lang", "zh"))
    return 0
