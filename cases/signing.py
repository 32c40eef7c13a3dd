"""The office key: an Ed25519 key pair that signs evidence packs and audit checkpoints.

The private key lives outside the workspace (a PEM file, mode 0600, named by
``BIDGRAPH_OFFICE_KEY`` or ``--key``); whoever can write the workspace cannot sign. Public
keys are recorded in the cases store (``keyring.py``), travel inside each signed pack, and
can be handed to anyone who checks: verification needs only the public key. A key
is known by its fingerprint, the first 32 hex digits of the SHA-256 of its raw 32 bytes.
Rotating adds a key; the old ones stay recorded, so their signatures stay verifiable.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bidgraph.errors import InputError

__all__ = [
    "Signer",
    "PublicKey",
    "create_key",
    "load_signer",
    "read_public_keys",
]


@dataclass(frozen=True)
class PublicKey:
    """A public key as PEM text, with its fingerprint."""

    pem: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self._key().public_bytes_raw()).hexdigest()[:32]

    def _key(self) -> Ed25519PublicKey:
        try:
            key = serialization.load_pem_public_key(self.pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise InputError(f"not an Ed25519 public key in PEM form / 不是有效的公钥: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise InputError("the public key is not an Ed25519 key / 公钥不是 Ed25519 密钥")
        return key

    def verifies(self, data: bytes, signature: str) -> bool:
        """Whether ``signature`` (base64) is this key's signature of ``data``."""
        try:
            self._key().verify(base64.b64decode(signature, validate=True), data)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


class Signer:
    """Signs with the office's private key."""

    def __init__(self, private_key: Ed25519PrivateKey):
        self._key = private_key
        pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public = PublicKey(pem.decode("ascii"))

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of ``data``, base64."""
        return base64.b64encode(self._key.sign(data)).decode("ascii")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def create_key(out: str | Path, workspace: str | Path) -> Signer:
    """Write a new private key to ``out`` (mode 0600, never overwriting) and its public key to
    ``out`` + ``.pub``; refuses a path inside ``workspace``."""
    out = Path(out)
    if _inside(out, Path(workspace)):
        raise InputError(
            f"{out}: the private key must live outside the workspace / 私钥不得存放在工作区内 ({workspace})"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InputError(f"{out} already exists; choose another path / 文件已存在") from exc
    except OSError as exc:
        raise InputError(f"{out}: cannot create the key file ({exc.strerror})") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    signer = Signer(key)
    Path(f"{out}.pub").write_text(signer.public.pem, encoding="ascii")
    return signer


def load_signer(path: str | Path, workspace: str | Path) -> Signer:
    """The private key at ``path``; refused inside ``workspace`` or readable by others."""
    path = Path(path)
    if _inside(path, Path(workspace)):
        raise InputError(f"{path}: a private key inside the workspace is refused / 拒绝使用工作区内的私钥")
    try:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InputError(f"{path}: readable by others; run `chmod 600 {path}` / 私钥权限过宽，请设为 600")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the office key ({exc.strerror}) / 无法读取单位密钥") from exc
    except (ValueError, TypeError) as exc:
        raise InputError(f"{path}: not a PEM private key / 不是 PEM 私钥 ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path}: not an Ed25519 key / 不是 Ed25519 私钥")
    return Signer(key)


def read_public_keys(path: str | Path) -> list[PublicKey]:
    """Every public key in a PEM file (``key export`` writes several, one after another)."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the public key file / 无法读取公钥文件 ({exc})") from exc
    end = "-----END PUBLIC KEY-----"
    keys = [PublicKey(block.strip() + "\n" + end + "\n") for block in text.split(end) if block.strip()]
    if not keys:
        raise InputError(f"{path}: no public key in the file / 文件中没有公钥")
    for key in keys:
        key.fingerprint  # noqa: B018  (parses: a damaged key fails here, not at verification)
    return keys
