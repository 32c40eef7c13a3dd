"""Regions: the cities of the world and their districts and counties (区县), with 6-digit codes.

City ``c`` has code ``36{c+1:02d}00``; its districts are ``..02``-``..0k`` and its counties
``..21``-``..2k``. The last county of the first city is the *small county* decoy: few local
firms that always meet each other yet compete honestly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bidgraph.citygen.names import CITY_NAMES, COUNTY_NAMES, DISTRICT_NAMES

__all__ = ["Regions", "make_regions"]

_DISTRICTS, _COUNTIES = 3, 3
# Share of the city's firms and procurement per region: the urban core is busier.
_WEIGHTS = np.array([0.26, 0.2, 0.16, 0.14, 0.13, 0.11])


@dataclass(frozen=True)
class Regions:
    code: np.ndarray  # int, 6 digits
    name: np.ndarray  # 临江市城关区
    city: np.ndarray  # city index
    weight: np.ndarray  # share within its city
    city_names: np.ndarray
    area_codes: np.ndarray  # telephone area code per city
    small_county: int  # region index of the small-county decoy

    def __len__(self) -> int:
        return len(self.code)


def make_regions(cities: int, small_county_share: float) -> Regions:
    """The regions of ``cities`` cities; the small county gets ``small_county_share`` of the
    first city's procurement (a few per cent: enough lots for its firms to meet often)."""
    code, name, city, weight = [], [], [], []
    city_names = np.asarray(CITY_NAMES[:cities]) + "市"
    for c in range(cities):
        base = 360000 + (c + 1) * 100
        parts = [(base + 2 + i, DISTRICT_NAMES[(c + i) % len(DISTRICT_NAMES)]) for i in range(_DISTRICTS)]
        parts += [(base + 21 + i, COUNTY_NAMES[(c + i) % len(COUNTY_NAMES)]) for i in range(_COUNTIES)]
        w = _WEIGHTS.copy()
        if c == 0:
            w[-1] = small_county_share
        w = w / w.sum()
        for (rc, rn), wi in zip(parts, w):
            code.append(rc)
            name.append(city_names[c] + rn)
            city.append(c)
            weight.append(wi)
    area = np.array([f"0{791 + c}" for c in range(cities)])
    return Regions(
        np.array(code),
        np.array(name),
        np.array(city),
        np.array(weight),
        city_names,
        area,
        small_county=_DISTRICTS + _COUNTIES - 1,
    )
