"""agency_affinity: a tendering agency whose lots one firm wins far more often than chance explains.

Rule
----
A firm wins the lots run by one tendering agency (招标代理机构) at a rate its share of the bids
and its record with other agencies cannot explain, with at least ``min_wins`` wins; stronger
when a person links them (an employee of the agency who holds a role in the winner). Agencies
draft the tender documents and run the evaluation, so an agency steering awards (代理机构
与投标人串通, 《招标投标法》第五十条) leaves this persistent pairing; it is a standard item of
Chinese supervision platforms' 关联关系 analyses and of the OECD Guidelines for Fighting Bid
Rigging. Method: :mod:`bidgraph.detectors.stats.affinity`.
"""

from __future__ import annotations

from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.stats.affinity import DEFAULTS as AFFINITY
from bidgraph.detectors.stats.affinity import affinity_findings

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {**AFFINITY, "context_roles": ["employee", "official"]}  # roles at the agency that make a person link

DETECTOR = ModuleDetector(
    "agency_affinity",
    rule_version="1",
    defaults=DEFAULTS,
    module=__name__,
    requires=("bids.is_winner", "projects.agency_id"),
)


def detect(snapshot, params: dict, seed: int) -> list:
    """(agency, firm) pairs with abnormal win counts (``seed`` unused: deterministic)."""
    return affinity_findings(DETECTOR.id, snapshot, params, "agency_id", "AGENT_FOR", "agency", ("代理机构", "agency"))
