"""shared_document: competing bids with the same document fingerprint, file hash or author.

Rule
----
Bids on the same lot whose files carry the same document fingerprint (标书特征码: the
tool-generated id of the file the bid was compiled from), the same file hash (SHA-256), or the
same document author. Independent bidders do not produce the same file; a shared fingerprint
is what trading platforms' 标书雷同/特征码一致 checks look for, and 《招标投标法实施条例》第四十条
deems bids "prepared by the same unit or person" collusive. The OECD Guidelines for Fighting
Bid Rigging list identical documents, typos and authorship among the signs of cover bidding.

A generic author ("Administrator", "admin", "user") or a template fingerprint used by many
firms says little: every value is weighted by its rarity in the whole snapshot, and values used
by ``public_min_firms`` firms or more can never alone make a high-severity finding. Grouping,
rarity and scoring: :mod:`bidgraph.detectors.stats.shared_values`.
"""

from __future__ import annotations

from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.stats.names import name_keys
from bidgraph.detectors.stats.shared_values import PUBLIC_DEFAULTS, Kind, bid_uses, bid_value_findings

__all__ = ["DEFAULTS", "DETECTOR", "KINDS", "detect"]

DEFAULTS = {
    "weight_file_sha256": 0.9,  # strength of one lot shared through the same file hash (identical file)
    "weight_fingerprint": 0.8,  # strength of one lot shared through the same 标书特征码
    "weight_author": 0.3,  # strength of one lot shared through the same document author (weak alone)
    "public_min_firms": 8,  # a value used by at least this many firms is generic ("Administrator", templates)
    **PUBLIC_DEFAULTS,
    "min_score": 0.25,  # groups scoring below this are not reported
}

DETECTOR = ModuleDetector(
    "shared_document", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("bid_documents",)
)

KINDS = [
    Kind("file_sha256", "文件哈希", "file hash", "document", "Document"),
    Kind("fingerprint", "标书特征码", "document fingerprint", "document", "Document"),
    Kind("author", "文档作者", "document author"),
]
# Bids compiled from one file are compiled by one unit or person: deemed collusion by law.
LAW = (
    "《招标投标法实施条例》第四十条第（一）项：不同投标人的投标文件由同一单位或者个人编制的，视为投标人相互串通投标。",
    "Implementing Regulations of the Tendering and Bidding Law, Art. 40(1): bids of different bidders "
    "compiled by the same unit or person are deemed collusion.",
)


def detect(snapshot, params: dict, seed: int) -> list:
    """Groups of bidders sharing document fingerprints, hashes or authors on common lots
    (``seed`` unused: the detector is deterministic)."""
    uses = bid_uses(snapshot, "bid_documents", KINDS)
    author = (uses["kind"] == "author").to_numpy()
    uses.loc[author, "value"] = name_keys(uses["value"].iloc[author]).array
    what = ("投标文件特征", "document traces")
    return bid_value_findings(DETECTOR.id, snapshot, uses, KINDS, params, what, LAW)
