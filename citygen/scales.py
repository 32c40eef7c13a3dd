"""How big a generated world is: one ``Scale`` per name (small, city, province).

Volumes are per city; a province is several cities drawn the same way. Planted-scheme counts
are per city too, so every city of a province carries its own rings, cover bidders, ...
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["REALISM", "SCALES", "Scale", "get_scale"]

# How hard a world is to read: "hard" adds niches, legitimate shared traces, thin records and
# loose rings (docs/generator.md, "The hard world").
REALISM = ("default", "hard")


@dataclass(frozen=True)
class Scale:
    name: str
    cities: int
    lots: int  # lots per city (about 5.8 bids each)
    firms: int  # bidding firms per city
    tenderers: int  # government bureaus, schools, hospitals, SOEs per city
    agencies: int  # tendering agencies per city
    institutes: int  # design institutes, universities... (expert employers) per city
    experts: int  # experts in the (province-wide) pool
    rings: int  # bid rings per city
    ring_lots: int  # lots rigged per ring
    cover_bidders: int
    cover_lots: int  # lots per cover-bidder client
    tenderer_affinity: int
    agency_affinity: int
    expert_affinity: int
    expert_bias: int
    splitting: int
    winner_not_builder: int
    payment_anomaly: int  # per kind
    procedure_gap: int  # per kind
    big_winners: int
    small_county_share: float  # of the first city's projects
    small_county_firms: int  # local firms of the small county
    ring_size_max: int  # members of the largest ring (the smallest has 3)


SCALES = {
    "small": Scale(
        "small",
        1,
        300,
        260,
        35,
        6,
        6,
        110,
        rings=3,
        ring_lots=7,
        cover_bidders=2,
        cover_lots=6,
        tenderer_affinity=2,
        agency_affinity=1,
        expert_affinity=2,
        expert_bias=3,
        splitting=2,
        winner_not_builder=3,
        payment_anomaly=1,
        procedure_gap=1,
        big_winners=2,
        small_county_share=0.07,
        small_county_firms=7,
        ring_size_max=5,
    ),
    "city": Scale(
        "city",
        1,
        3950,
        2600,
        220,
        25,
        30,
        900,
        rings=7,
        ring_lots=14,
        cover_bidders=5,
        cover_lots=10,
        tenderer_affinity=4,
        agency_affinity=3,
        expert_affinity=4,
        expert_bias=6,
        splitting=4,
        winner_not_builder=8,
        payment_anomaly=3,
        procedure_gap=3,
        big_winners=3,
        small_county_share=0.03,
        small_county_firms=12,
        ring_size_max=8,
    ),
}
# A province is sixteen cities planted like "city": larger ones, with more lots per ring and per cover client.
SCALES["province"] = replace(
    SCALES["city"],
    name="province",
    cities=16,
    lots=12400,
    firms=11500,
    tenderers=450,
    agencies=40,
    institutes=60,
    experts=20000,
    ring_lots=16,
    cover_lots=12,
)


def get_scale(name: str) -> Scale:
    """The scale called ``name``; a ``ValueError`` names the valid ones otherwise."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; expected one of {', '.join(SCALES)}") from None
