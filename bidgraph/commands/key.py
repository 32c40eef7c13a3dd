"""bidgraph key init --out PATH | key add FILE.pub | key list | key export --out FILE: the office key."""

from __future__ import annotations

from pathlib import Path

from bidgraph.cases import audit
from bidgraph.cases.keyring import list_keys, record_key
from bidgraph.cases.signing import create_key, read_public_keys
from bidgraph.cases.users import require
from bidgraph.commands._actions import Command, arg
from bidgraph.commands._cases import KEY_ENV, LOGIN, acting_user, open_cases

COMMAND = Command("key", "the office key that signs packs and the audit trail / 单位签名密钥")
register = COMMAND.register


@COMMAND.action(
    "create a key pair (private key 0600, outside the workspace; public key beside it as .pub) and "
    "record the public key (admins) / 生成密钥对并登记公钥（管理员）",
    arg("--out", required=True, metavar="PATH", help="private key file to create / 私钥文件路径"),
    LOGIN,
)
def handle_init(args) -> int:
    store = open_cases(args, signing=False)
    actor = acting_user(store, args)
    require(actor, "key.manage")  # before the file exists: a refused init leaves nothing behind
    signer = create_key(args.out, store.folder)
    record_key(store, actor, signer.public)
    print(
        f"private key {args.out} (mode 0600), public key {args.out}.pub\n"
        f"fingerprint / 公钥指纹: {signer.public.fingerprint}\n"
        f"sign with it: export {KEY_ENV}={Path(args.out).resolve()} / 使用方法：设置 {KEY_ENV}"
    )
    return 0


@COMMAND.action(
    "record the public key(s) of a PEM file: rotation, or another workspace (admins) / 登记公钥",
    arg("file", help="public key PEM file, e.g. office.key.pub / 公钥文件"),
    LOGIN,
)
def handle_add(args) -> int:
    store = open_cases(args, signing=False)
    actor = acting_user(store, args)
    for key in read_public_keys(args.file):
        added = record_key(store, actor, key)
        print(f"{key.fingerprint}\t{'recorded / 已登记' if added else 'already recorded / 已存在'}")
    return 0


@COMMAND.action("the recorded public keys / 已登记的公钥")
def handle_list(args) -> int:
    store = open_cases(args, signing=False)
    for r in list_keys(store):
        print(f"{r['fingerprint']}\tadded {r['added_at']} by {r['added_by']}")
    return 0


@COMMAND.action(
    "write the recorded public keys to a PEM file for whoever verifies / 导出公钥",
    arg("--out", required=True, help="PEM file to write / 输出文件"),
)
def handle_export(args) -> int:
    keys = audit.recorded_keys(open_cases(args, signing=False))
    Path(args.out).write_text("".join(k.pem for k in keys), encoding="ascii")
    print(f"wrote {len(keys)} public key(s) to {args.out}: " + ", ".join(k.fingerprint for k in keys))
    return 0
