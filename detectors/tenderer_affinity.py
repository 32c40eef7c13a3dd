"""tenderer_affinity: a tenderer whose lots one firm wins far more often than chance explains.

Rule
----
A firm wins a tenderer's (招标人/采购人) lots at a rate its share of the bids and its record
with other tenderers cannot explain, with at least ``min_wins`` wins; stronger when a person
links them (an official of the tenderer who is shareholder, legal representative, bid agent...
of the winner). Steering awards to a favoured supplier (量身定做, 明招暗定) shows up as this
persistent pairing; Chinese supervision platforms' 标王 and 关联关系 analyses look for it, and
the OECD Guidelines for Fighting Bid Rigging name a supplier that keeps winning with the same
buyer among the signs of allocation and corruption; Conley & Decarolis (2016) likewise test
award patterns against what independent bidding would produce.
Method: :mod:`bidgraph.detectors.stats.affinity`.
"""

from __future__ import annotations

from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.stats.affinity import DEFAULTS as AFFINITY
from bidgraph.detectors.stats.affinity import affinity_findings

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {**AFFINITY, "context_roles": ["official", "employee"]}  # roles at the tenderer that make a person link

DETECTOR = ModuleDetector(
    "tenderer_affinity", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("bids.is_winner",)
)


def detect(snapshot, params: dict, seed: int) -> list:
    """(tenderer, firm) pairs with abnormal win counts (``seed`` unused: deterministic)."""
    return affinity_findings(
        DETECTOR.id, snapshot, params, "tenderer_id", "TENDERED", "tenderer", ("招标人", "tenderer")
    )
