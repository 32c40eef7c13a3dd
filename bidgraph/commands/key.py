"""bidgraph key init --out PATH | key add FILE.pub | key list | key export --out FILE: the office key."""

from __future__ import annotations

from pathlib import Path

from bidgraph.cases import audit
from bidgraph.cases.keyring import list_keys, record_key
from bidgraph.cases.signing import create_key, read_public_keys
from bidgraph.cases.users import require
from bidgraph.commands._cases import KEY_ENV, acting_user, add_login_option, open_cases


def register(sub) -> None:
    p = sub.add_parser("key", help="the office key that signs packs and the audit trail / 单位签名密钥")
    cmds = p.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    init = cmds.add_parser(
        "init",
        help="create a key pair (private key 0600, outside the workspace; public key beside it as .pub) and "
        "record the public key (admins) / 生成密钥对并登记公钥（管理员）",
    )
    init.add_argument("--out", required=True, metavar="PATH", help="private key file to create / 私钥文件路径")
    add_login_option(init)
    init.set_defaults(func=handle_init)
    add = cmds.add_parser(
        "add", help="record the public key(s) of a PEM file: rotation, or another workspace (admins) / 登记公钥"
    )
    add.add_argument("file", help="public key PEM file, e.g. office.key.pub / 公钥文件")
    add_login_option(add)
    add.set_defaults(func=handle_add)
    ls = cmds.add_parser("list", help="the recorded public keys / 已登记的公钥")
    ls.set_defaults(func=handle_list)
    ex = cmds.add_parser("export", help="write the recorded public keys to a PEM file for whoever verifies / 导出公钥")
    ex.add_argument("--out", required=True, help="PEM file to write / 输出文件")
    ex.set_defaults(func=handle_export)


def handle_init(args) -> int:
    store = open_cases(args, signing=False)
    actor = acting_user(store, args)
    require(actor, "key.manage")  # before the file exists: a refused init leaves nothing behind
    signer = create_key(args.out, store.folder)
    record_key(store, actor, signer.public)
    print(f"private key {args.out} (mode 0600), public key {args.out}.pub")
    print(f"fingerprint / 公钥指纹: {signer.public.fingerprint}")
    print(f"sign with it: export {KEY_ENV}={Path(args.out).resolve()} / 使用方法：设置 {KEY_ENV}")
    return 0


def handle_add(args) -> int:
    store = open_cases(args, signing=False)
    actor = acting_user(store, args)
    for key in read_public_keys(args.file):
        added = record_key(store, actor, key)
        print(f"{key.fingerprint}\t{'recorded / 已登记' if added else 'already recorded / 已存在'}")
    return 0


def handle_list(args) -> int:
    store = open_cases(args, signing=False)
    for r in list_keys(store):
        print(f"{r['fingerprint']}\tadded {r['added_at']} by {r['added_by']}")
    return 0


def handle_export(args) -> int:
    keys = audit.recorded_keys(open_cases(args, signing=False))
    Path(args.out).write_text("".join(k.pem for k in keys), encoding="ascii")
    print(f"wrote {len(keys)} public key(s) to {args.out}: " + ", ".join(k.fingerprint for k in keys))
    return 0
