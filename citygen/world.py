"""The organizations and people of the world, and each firm's office network.

Organizations come in four blocks (bidding firms, tenderers, agencies, institutes); ``orgs`` is
a DataFrame indexed by the integer org number with the bundle's columns plus the hidden traits
the market draws from (``supply`` category, ``activity``, ``cost``, ``quality``). People and
their roles are built per role kind with NumPy; :class:`RoleIndex` picks "a project manager of
firm f" for many firms at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bidgraph.citygen import identifiers as ident
from bidgraph.citygen.names import (
    SUBTYPES,
    addresses,
    firm_names,
    join,
    person_names,
    trade_names,
)
from bidgraph.citygen.places import Regions
from bidgraph.citygen.scales import Scale

__all__ = ["RoleIndex", "World", "make_world"]

SUPPLY_SHARE = np.array([0.5, 0.28, 0.22])  # construction, goods, services firms
_BUREAUS = [
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "教育局",
    "卫生健康委员会",
    "城市管理局",
    "自然资源和规划局",
    "农业农村局",
    "公安局",
    "民政局",
    "文化广电旅游局",
    "应急管理局",
    "机关事务服务中心",
    "生态环境局",
]
_SOES = [
    "城市建设投资集团有限公司",
    "交通投资集团有限公司",
    "水务集团有限公司",
    "城市发展投资有限公司",
    "文化旅游投资有限公司",
    "产业投资集团有限公司",
]
_HOSPITALS = ["人民医院", "中医院", "妇幼保健院", "第二人民医院", "疾病预防控制中心"]
_INSTITUTES = ["工程设计研究院", "建筑设计院", "职业技术学院", "工程质量检测中心", "规划设计研究院", "信息技术研究所"]
# No suffix shared with firms (names.SUPPLY_SUFFIXES): equal names would be merged on loading.
_AGENCIES = ["招标代理有限公司", "招标咨询有限公司", "项目管理有限公司", "建设管理咨询有限公司"]
# Tenderer types and the project subtypes they buy (see names.SUBTYPES).
TENDERER_TYPES = ["government", "school", "hospital", "soe"]
SUBTYPE_MIX = np.array(
    [
        [0.12, 0.16, 0.06, 0.06, 0.14, 0.00, 0.10, 0.12, 0.12, 0.12],
        [0.26, 0.02, 0.00, 0.00, 0.20, 0.00, 0.30, 0.14, 0.03, 0.05],
        [0.20, 0.00, 0.00, 0.00, 0.12, 0.42, 0.08, 0.13, 0.02, 0.03],
        [0.24, 0.30, 0.16, 0.16, 0.03, 0.00, 0.02, 0.03, 0.04, 0.02],
    ]
)


@dataclass
class RoleIndex:
    """The persons holding one role, grouped by organization."""

    person: np.ndarray
    start: np.ndarray  # per org
    count: np.ndarray  # per org

    @classmethod
    def build(cls, roles: pd.DataFrame, role: str, n_orgs: int) -> RoleIndex:
        sel = roles[roles["role"].to_numpy() == role].sort_values(["org", "person"], kind="stable")
        org = sel["org"].to_numpy()
        count = np.bincount(org, minlength=n_orgs)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        return cls(sel["person"].to_numpy(), start, count)

    def pick(self, orgs: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One holder per org (chosen by the uniform draws ``u``); -1 where the org has none."""
        orgs = np.asarray(orgs)
        cnt = self.count[orgs]
        pos = self.start[orgs] + np.minimum((u * cnt).astype(np.int64), np.maximum(cnt - 1, 0))
        return np.where(cnt > 0, self.person[np.minimum(pos, len(self.person) - 1)], -1)

    def of(self, org: int) -> np.ndarray:
        return self.person[self.start[org] : self.start[org] + self.count[org]]


@dataclass
class World:
    regions: Regions
    orgs: pd.DataFrame  # org index -> bundle columns + traits
    persons: pd.DataFrame  # person index -> name, id_number, phone
    roles: pd.DataFrame  # person, org, role, share_pct, since, until
    firms: np.ndarray  # org indices of bidding firms
    tenderers: np.ndarray
    agencies: np.ndarray
    institutes: np.ndarray
    experts: pd.DataFrame  # expert index -> person, specialty (subtype), employer (org or -1), lean
    office_ips: RoleIndex  # per firm: numbers into office_ip
    devices: RoleIndex  # per firm: numbers into device_mac / device_hw
    office_ip: np.ndarray
    device_mac: np.ndarray
    device_hw: np.ndarray
    index: dict  # role name -> RoleIndex
    spare: list  # persons with no role yet (stand-ins planted on sites)
    added_roles: list = field(default_factory=list)

    def add_role(self, person: int, org: int, role: str, share_pct: float = np.nan, since=None) -> None:
        """Record a planted role (kept apart until :meth:`all_roles`, so the lookups stay honest)."""
        since = since if since is not None else self.orgs.at[org, "founded_on"]
        self.added_roles.append(
            {
                "person": person,
                "org": org,
                "role": role,
                "share_pct": share_pct,
                "since": np.datetime64(since, "D"),
                "until": np.datetime64("NaT", "D"),
            }
        )

    def all_roles(self) -> pd.DataFrame:
        if not self.added_roles:
            return self.roles
        return pd.concat([self.roles, pd.DataFrame(self.added_roles)], ignore_index=True)

    def stand_in(self) -> int:
        """A person with no role anywhere (for a site manager who is nobody's employee)."""
        return self.spare.pop()


# People are drawn in three batches (organizations' people, experts, people with no role);
# each batch has its own ID-number order codes and mobile prefixes, so numbers never repeat.
_BATCHES = {"staff": ((0, 900), (130, 180)), "experts": ((900, 960), (180, 190)), "spare": ((960, 1000), (190, 200))}


def _persons(rng, n, region_codes, batch: str) -> pd.DataFrame:
    sequences, prefixes = _BATCHES[batch]
    return pd.DataFrame(
        {
            "name": person_names(rng, n),
            "id_number": ident.id_numbers(rng, region_codes, sequences),
            "phone": ident.mobiles(rng, n, prefixes),
        }
    )


def make_world(rng: np.random.Generator, scale: Scale, regions: Regions) -> World:
    orgs = _organizations(rng, scale, regions)
    roles, persons = _people(rng, orgs, regions)
    n = len(orgs)
    firms = np.flatnonzero(orgs["block"].to_numpy() == "firm")
    blocks = {b: np.flatnonzero(orgs["block"].to_numpy() == b) for b in ("tenderer", "agency", "institute")}
    experts, roles, persons = _experts(
        rng, scale, orgs, roles, persons, regions, blocks["institute"], firms, blocks["tenderer"]
    )
    index = {
        r: RoleIndex.build(roles, r, n)
        for r in ("legal_rep", "shareholder", "project_manager", "employee", "bid_agent", "official")
    }
    ip_index, devices, ips, mac, hw = _offices(rng, firms, n)
    # People with no role: passers-by of the registry, a few of them planted later as stand-ins.
    n_spare = 40 * scale.cities
    spare = list(range(len(persons), len(persons) + n_spare))
    persons = pd.concat(
        [persons, _persons(rng, n_spare, regions.code[rng.integers(0, len(regions), n_spare)], "spare")],
        ignore_index=True,
    )
    return World(
        regions,
        orgs,
        persons,
        roles,
        firms,
        blocks["tenderer"],
        blocks["agency"],
        blocks["institute"],
        experts,
        ip_index,
        devices,
        ips,
        mac,
        hw,
        index,
        spare,
    )


def _organizations(rng, scale: Scale, regions: Regions) -> pd.DataFrame:
    frames = []
    for c in range(scale.cities):
        in_city = np.flatnonzero(regions.city == c)
        frames.append(_firms(rng, scale, regions, c, in_city))
        frames.append(_tenderers(rng, scale, regions, c, in_city))
        frames.append(_named_block(rng, regions, c, in_city, scale.agencies, "agency", "agency", _AGENCIES))
        frames.append(_named_block(rng, regions, c, in_city, scale.institutes, "institute", "institution", _INSTITUTES))
    orgs = pd.concat(frames, ignore_index=True)
    # Blocks in a fixed order so ids read naturally: firms, tenderers, agencies, institutes.
    order = {"firm": 0, "tenderer": 1, "agency": 2, "institute": 3}
    orgs = orgs.iloc[np.lexsort((np.arange(len(orgs)), orgs["block"].map(order).to_numpy()))].reset_index(drop=True)
    # Which planted part a firm plays ("" = none): object dtype, as it is read and set often.
    orgs["tag"] = pd.Series(np.full(len(orgs), "", dtype=object), dtype=object)
    n = len(orgs)
    region = orgs["region"].to_numpy()
    orgs["region_code"] = regions.code[region]
    orgs["uscc"] = ident.usccs(rng, orgs["kind"].to_numpy(), regions.code[region])
    orgs["address"] = addresses(rng, regions.name[region])
    orgs["phone"] = ident.landlines(rng, regions.area_codes[orgs["city"].to_numpy()])
    domains = np.array(["qq.com", "163.com", "126.com", "sina.com", "foxmail.com"])
    orgs["email"] = join(
        ident.distinct_ints(rng, n, 10_000_000, 3_000_000_000), "@", domains[rng.integers(0, len(domains), n)]
    )
    big = orgs["block"].to_numpy() == "firm"
    capital = np.round(np.exp(rng.normal(np.log(5e6), 1.0, n)), -4)
    capital[orgs["supply"].to_numpy() == 0] *= 3
    orgs["registered_capital"] = np.where(big | (orgs["kind"].to_numpy() == "agency"), capital, np.nan)
    days = rng.integers(np.datetime64("1992-01-01").astype(int), np.datetime64("2021-06-30").astype(int), n)
    orgs["founded_on"] = days.astype("datetime64[D]")
    return orgs


def _firms(rng, scale: Scale, regions: Regions, c: int, in_city: np.ndarray) -> pd.DataFrame:
    n = scale.firms
    region = in_city[rng.choice(len(in_city), n, p=regions.weight[in_city])]
    county = in_city[0] + regions.small_county if c == 0 else -1
    # The small county has a handful of local firms only (it is a decoy: they meet, honestly).
    region[region == county] = in_city[0]
    supply = rng.choice(3, n, p=SUPPLY_SHARE)
    if c == 0:
        k = scale.small_county_firms
        region[:k] = county
        supply[:k] = [0] * (k - 2) + [1, 2]
    activity = np.exp(rng.normal(0.0, 0.8, n))
    cost, quality = rng.normal(0.0, 0.012, n), rng.normal(0.0, 1.0, n)
    local = region == county  # the small county's builders are peers: alike in size, cost and skill
    activity[local], cost[local], quality[local] = rng.uniform(0.8, 1.25, int(local.sum())), 0.0, 0.0
    return pd.DataFrame(
        {
            "block": "firm",
            "kind": "enterprise",
            "city": c,
            "region": region,
            "supply": supply,
            "name": firm_names(rng, np.full(n, c), supply),
            "activity": activity,
            "cost": cost,
            "quality": quality,
        }
    )


def _tenderers(rng, scale: Scale, regions: Regions, c: int, in_city: np.ndarray) -> pd.DataFrame:
    city = regions.city_names[c]
    cands = []  # (name, region, type)
    for k, r in enumerate(in_city):
        place = city if k == 0 else regions.name[r]
        for b in _BUREAUS:
            cands.append((place + b, r, 0))
        for h in _HOSPITALS:
            cands.append((place + h, r, 2))
        for s in _SOES:
            cands.append((place + s, r, 3))
    for i in range(1, max(scale.tenderers, 20)):
        r = in_city[i % len(in_city)]
        cands.append((f"{regions.name[r]}第{i}中学" if i % 3 else f"{regions.name[r]}实验小学{i}校区", r, 1))
    # The small county is a real county: its bureaus, hospital and schools come first.
    county = in_city[regions.small_county] if c == 0 else -1
    first = [i for i, x in enumerate(cands) if x[1] == county][:4]
    rest = [i for i in range(len(cands)) if i not in set(first)]
    pick = first + list(rng.choice(rest, scale.tenderers - len(first), replace=False))
    name, region, ttype = (np.array(column) for column in zip(*[cands[i] for i in pick]))
    kind = np.array(["government", "institution", "institution", "enterprise"])[ttype]
    return _buyer_side_block(rng, "tenderer", kind, c, region, name, ttype=ttype)


def _named_block(rng, regions, c, in_city, n, block, kind, suffixes) -> pd.DataFrame:
    region = in_city[rng.choice(len(in_city), n, p=regions.weight[in_city])]
    suffix = np.asarray(suffixes)[rng.integers(0, len(suffixes), n)]
    name = join(regions.city_names[c], trade_names(rng, n), suffix)
    _, first = np.unique(name, return_index=True)
    dup = np.setdiff1d(np.arange(n), first)
    name[dup] = join(regions.city_names[c], trade_names(rng, len(dup)), "第", dup + 2, suffix[dup])
    return _buyer_side_block(rng, block, kind, c, region, name)


def _buyer_side_block(rng, block: str, kind, c: int, region, name, **columns) -> pd.DataFrame:
    """One city's tenderers, agencies or institutes: no supply category, activity lognormal."""
    return pd.DataFrame(
        {
            "block": block,
            "kind": kind,
            "city": c,
            "region": region,
            "supply": -1,
            "name": name,
            **columns,
            "activity": np.exp(rng.normal(0.0, 0.7, len(name))),
        }
    )


def _people(rng, orgs: pd.DataFrame, regions: Regions):
    """Legal representatives, shareholders, directors, managers, project managers, staff, bid
    agents and contacts of firms; officials of tenderers; staff of agencies; heads of institutes."""
    n = len(orgs)
    block = orgs["block"].to_numpy()
    supply = orgs["supply"].to_numpy()
    founded = orgs["founded_on"].to_numpy()
    size = np.clip(orgs["activity"].fillna(1.0).to_numpy(), 0.2, 6)
    firm = block == "firm"
    counts = {
        "legal_rep": np.ones(n, int),
        "shareholder": np.where(firm, rng.choice([1, 2, 3], n, p=[0.35, 0.4, 0.25]), 0),
        "director": np.where(firm, rng.choice([0, 1, 2], n, p=[0.5, 0.3, 0.2]), 0),
        "manager": np.where(firm & (rng.random(n) < 0.5), 1, 0),
        "project_manager": np.where(firm, np.where(supply == 0, 1 + rng.poisson(1.2 * size), rng.poisson(0.3, n)), 0),
        "employee": np.where(
            firm, 2 + rng.poisson(2.0 * np.sqrt(size)), np.where(block == "agency", 3 + rng.poisson(2, n), 0)
        ),
        "bid_agent": np.where(firm, rng.choice([1, 2], n, p=[0.7, 0.3]), 0),
        "official": np.where(block == "tenderer", rng.integers(2, 5, n), 0),
    }
    frames, next_person, person_region = [], 0, []
    legal = None
    for role, k in counts.items():
        org = np.repeat(np.arange(n), k)
        person = np.arange(next_person, next_person + len(org))
        reuse = np.zeros(len(org), bool)
        if role in ("shareholder", "manager") and legal is not None:
            # The legal representative is usually the first shareholder (and often the manager).
            first = np.r_[True, org[1:] != org[:-1]] if len(org) else np.zeros(0, bool)
            reuse = first & (rng.random(len(org)) < (0.75 if role == "shareholder" else 0.6))
            person[reuse] = legal[org[reuse]]
        new = ~reuse
        person[new] = np.arange(next_person, next_person + int(new.sum()))
        next_person += int(new.sum())
        person_region.append(orgs["region"].to_numpy()[org[new]])
        share = np.full(len(org), np.nan)
        if role == "shareholder":
            w = rng.gamma(1.5, 1.0, len(org))
            tot = np.bincount(org, weights=w, minlength=n)[org]
            share = np.round(100 * w / tot, 2)
        since = founded[org] + rng.integers(0, 2000, len(org)).astype("timedelta64[D]")
        since = np.minimum(since, np.datetime64("2021-12-31"))
        frames.append(
            pd.DataFrame(
                {"person": person, "org": org, "role": role, "share_pct": share, "since": since, "until": pd.NaT}
            )
        )
        if role == "legal_rep":
            legal = np.full(n, -1)
            legal[org] = person
    # Bid agents double as the firm's contact person.
    agents = frames[list(counts).index("bid_agent")]
    first_agent = agents.drop_duplicates("org")
    frames.append(first_agent.assign(role="contact"))
    roles = pd.concat(frames, ignore_index=True)
    regions_of = np.concatenate(person_region)
    persons = _persons(rng, next_person, regions.code[regions_of], "staff")
    return roles, persons


def _experts(rng, scale: Scale, orgs, roles, persons, regions, institutes, firms, tenderers):
    n = scale.experts
    specialty = rng.integers(0, len(SUBTYPES), n)
    u = rng.random(n)
    hospitals_schools = tenderers[orgs.loc[tenderers, "kind"].to_numpy() == "institution"]
    employer = np.where(
        u < 0.5,
        institutes[rng.integers(0, len(institutes), n)],
        np.where(
            u < 0.7,
            hospitals_schools[rng.integers(0, len(hospitals_schools), n)],
            np.where(u < 0.85, firms[rng.integers(0, len(firms), n)], -1),
        ),
    )
    start = len(persons)
    region = np.where(
        employer >= 0, orgs["region"].to_numpy()[np.maximum(employer, 0)], rng.integers(0, len(regions), n)
    )
    persons = pd.concat([persons, _persons(rng, n, regions.code[region], "experts")], ignore_index=True)
    person = np.arange(start, start + n)
    emp = employer >= 0
    roles = pd.concat(
        [
            roles,
            pd.DataFrame(
                {
                    "person": person[emp],
                    "org": employer[emp],
                    "role": "employee",
                    "share_pct": np.nan,
                    "since": orgs["founded_on"].to_numpy()[employer[emp]]
                    + rng.integers(0, 3000, int(emp.sum())).astype("timedelta64[D]"),
                    "until": pd.NaT,
                }
            ),
        ],
        ignore_index=True,
    )
    experts = pd.DataFrame(
        {
            "person": person,
            "specialty": specialty,
            "employer": employer,
            "lean": rng.normal(0.0, 1.2, n),
            "spread": np.full(n, 2.5),
            "bias": "",
        }
    )
    return experts, roles, persons


def _offices(rng, firms: np.ndarray, n_orgs: int):
    """Each firm's office IPs (1-2) and machines (1-3: a MAC and a hardware id each)."""
    k_ip = 1 + (rng.random(len(firms)) < 0.3)
    k_dev = rng.choice([1, 2, 3], len(firms), p=[0.45, 0.4, 0.15])
    ip_org = np.repeat(firms, k_ip)
    dev_org = np.repeat(firms, k_dev)
    ips = ident.ipv4(rng, len(ip_org))
    mac = ident.macs(rng, len(dev_org))
    hw = join(ident.hex_ids(rng, len(dev_org), 8, upper=True), "-", ident.hex_ids(rng, len(dev_org), 4, upper=True))
    ip_index = RoleIndex(np.arange(len(ip_org)), *_offsets(ip_org, n_orgs))
    dev_index = RoleIndex(np.arange(len(dev_org)), *_offsets(dev_org, n_orgs))
    return ip_index, dev_index, ips, mac, hw


def _offsets(sorted_org: np.ndarray, n: int):
    count = np.bincount(sorted_org, minlength=n)
    return np.concatenate([[0], np.cumsum(count)[:-1]]), count
