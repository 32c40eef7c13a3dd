"""shared_device: competing bidders whose bids were uploaded from the same IP, MAC or machine.

Rule
----
Bidders on the same lot whose bid files were uploaded from the same IP address, network card
(MAC) or hardware id (机器码). Independent firms prepare and upload their bids on their own
machines; one machine or one office line behind several "competitors" is the classic trace of
围标串标 (one party preparing everybody's bids). Chinese electronic trading platforms flag it
routinely (同IP/同MAC/同机器码 analysis; 《招标投标法实施条例》第四十条 treats bids prepared by
the same party as collusion), and the OECD Guidelines for Fighting Bid Rigging in Public
Procurement list identical preparation traces among the signs of collusion.

A value shared by many unrelated firms across many lots (the trading centre's public terminal,
a carrier's NAT address) says little, so every value is weighted by its rarity in the whole
snapshot, and values used by ``public_min_firms`` firms or more can never alone make a
high-severity finding. Grouping, rarity and scoring: :mod:`bidgraph.detectors.stats.shared_values`.
"""

from __future__ import annotations

from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.stats.shared_values import Kind, bid_uses, bid_value_findings

__all__ = ["DEFAULTS", "DETECTOR", "KINDS", "detect"]

DEFAULTS = {
    "weight_ip": 0.4,  # strength of one lot shared through a rare IP address (NAT and offices blur IPs)
    "weight_mac": 0.6,  # strength of one lot shared through a rare MAC address
    "weight_hardware_id": 0.7,  # strength of one lot shared through a rare hardware id (机器码)
    "public_min_firms": 8,  # a value used by at least this many firms is public (terminal, carrier NAT)
    "coincidence_alpha": 0.0001,  # ... unless its same-lot sharing is beyond chance at this Poisson tail (a ring's own value)
    "always_public_firms": 50,  # a value used by at least this many firms is public whatever its sharing
    "public_cap": 0.45,  # most that public values alone can add to a score (below medium severity 0.5)
    "public_min_lots": 2,  # groups with only public values are reported from this many shared lots
    "min_score": 0.3,  # groups scoring below this are not reported (one lot at the public terminal is not)
}

DETECTOR = ModuleDetector(
    "shared_device", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("bid_uploads",)
)

KINDS = [
    Kind("ip", "IP地址", "IP address", "ip", "IP"),
    Kind("mac", "MAC地址", "MAC address", "device", "Device"),
    Kind("hardware_id", "机器码", "hardware id", "device", "Device"),
]


def detect(snapshot, params: dict, seed: int) -> list:
    """Groups of bidders sharing upload IP/MAC/hardware ids on common lots (``seed`` unused:
    the detector is deterministic)."""
    uses = bid_uses(snapshot, "bid_uploads", KINDS)
    what = ("上传IP/MAC/机器码", "upload IP/MAC/hardware ids")
    return bid_value_findings(DETECTOR.id, snapshot, uses, KINDS, params, what)
