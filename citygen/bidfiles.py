"""What bids carry besides a price: bond payments (``bid_bonds``) and document text (``bid_texts``).

Planted, each on its own lots (presumptions of collusion, 招标投标法实施条例 第四十条): the bonds of
two competing bidders paid from one account (六), one compiler named in two bids (一), the same
project manager named in two bids (三), documents that are near-duplicates or share the same
unusual errors — a misspelling with a wrong figure of their own, another project's name (四). Decoys: honest documents that share the
standard commitment clauses, and lots whose tenderer made every bidder copy a long standard
clause. Bank accounts are exported masked (``6222****1234``; province worlds: hashed).

Drawn from the statutory generator, after everything else, so the other tables do not change.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from bidgraph.citygen.identifiers import distinct_ints
from bidgraph.citygen.world import World

__all__ = ["TEXTS_FROM", "plant_bid_files"]

TEXTS_FROM = np.datetime64("2024-01-01")  # the platform extracts text from lots opened since (first city)
_PER_CITY = {"same_bond_account": 3, "same_compiler": 3, "same_project_manager": 3, "near_duplicate": 3}
_PER_CITY |= {"shared_errors": 3, "boilerplate_lots": 4}
_BINS = np.array(["6222", "6217", "6228", "6230"])
_COMMITMENT = (
    "我方承诺：投标文件所提供的全部资料真实有效；中标后按招标文件及合同约定履行义务；"
    "不转包、不违法分包；严格执行安全生产和文明施工规定；接受招标人和监管部门的监督检查。"
)
_STANDARD_CLAUSE = (
    "按招标文件第五章技术标准和要求：施工质量须符合国家现行验收规范，材料进场须见证取样送检，"
    "隐蔽工程须经监理验收后方可覆盖，工程资料须与施工进度同步整理归档，竣工后须提供保修服务。"
)
_SENTENCES = [
    f"{a}{b}。"
    for a in (
        "本工程拟采用流水作业组织施工",
        "项目部设立质量安全管理小组",
        "进场材料实行台账管理",
        "施工现场实行封闭管理",
        "雨季施工制定专项排水措施",
        "关键工序实行样板引路",
        "机械设备定期保养维修",
        "夜间施工提前办理许可",
        "扬尘治理落实六个百分百",
        "成品保护责任落实到班组",
    )
    for b in ("，确保工期目标实现", "，确保质量一次验收合格", "，并由专人负责检查记录", "，接受监理单位全过程监督")
]
_HONEST_TYPOS = [f"{w}" for w in ("砼强度等级按设汁要求执行。", "钢筋绑扎间距符合规犯。", "模板支撑体系经验算合各。")]
# a group's own error: a misspelt sentence with a wrong figure of its own (independent writers do
# not make the same mistake, so no two planted groups share one)
_RARE_ERRORS = [
    "混泥土浇筑后及时养户，养户时间不少于{n}天。",
    "脚手架搭没前对地基进行平整夯实，夯实遍数不少于{n}遍。",
    "本工程质量目标为合格，工期为日历天{n}天。",
]


def plant_bid_files(rng, world: World, lots: pd.DataFrame, bids: pd.DataFrame, names, used, site, masked: bool):
    """Bonds, texts and their truth.

    Parameters
    ----------
    names : dict
        ``person`` and ``org`` (index -> bundle id) functions and the lot ids, for the texts.
    masked : bool
        Export accounts masked (``6222****1234``) rather than hashed.

    Returns
    -------
    (bonds, texts, records)
        ``bonds``: bid (row), account, payer (org index), amount, paid; ``texts``: bid, section,
        text; ``records``: the truth by key, with bid, org and person row positions.
    """
    n_cities = int(lots["city"].max()) + 1
    b_lot = bids["lot"].to_numpy()
    b_org = bids["org"].to_numpy()
    n_bids = np.bincount(b_lot, minlength=len(lots))
    bonded = np.isin(lots["procedure"].to_numpy(), ["open", "invited"])
    covered = (lots["city"].to_numpy() == 0) & (lots["opened"].to_numpy() >= TEXTS_FROM)
    free = np.flatnonzero(covered & ~used & (n_bids >= 3) & bonded)
    rng.shuffle(free)
    pool = [int(lot) for lot in free]
    records: dict = {}
    pairs: dict[str, list] = {}
    for scheme in ("same_bond_account", "same_compiler", "same_project_manager", "near_duplicate", "shared_errors"):
        pairs[scheme] = []
        for _ in range(_PER_CITY[scheme] * n_cities):
            lot = pool.pop()
            rows = np.flatnonzero(b_lot == lot)
            k = 3 if scheme in ("near_duplicate", "shared_errors") and len(rows) >= 4 else 2
            pairs[scheme].append((lot, np.sort(rng.choice(rows, k, replace=False))))
    boilerplate = [pool.pop() for _ in range(_PER_CITY["boilerplate_lots"] * n_cities)]

    accounts = _accounts(rng, len(world.orgs), masked)
    payer = b_org.copy()
    for _lot, rows in pairs["same_bond_account"]:
        payer[rows[1:]] = b_org[rows[0]]
    bond_rows = np.flatnonzero(bonded[b_lot])
    ceiling = lots["ceiling"].to_numpy()[b_lot[bond_rows]]
    opened = lots["opened"].to_numpy().astype("datetime64[D]")[b_lot[bond_rows]]
    bonds = pd.DataFrame(
        {
            "bid": bond_rows,
            "account": accounts[payer[bond_rows]],
            "payer": payer[bond_rows],
            "amount": np.round(np.minimum(ceiling * 0.02, 800_000) / 1000) * 1000,
            "paid": opened - rng.integers(1, 6, len(bond_rows)).astype("timedelta64[D]"),
        }
    )
    texts = _texts(rng, world, lots, bids, names, covered, pairs, boilerplate, site)
    records["statutory"] = {
        scheme: [{"lot": lot, "bids": rows, "orgs": b_org[rows]} for lot, rows in found]
        for scheme, found in pairs.items()
    }
    for item in records["statutory"]["same_bond_account"]:
        item["account"] = str(accounts[b_org[item["bids"][0]]])
    records["boilerplate_lots"] = boilerplate
    return bonds, texts, records


def _accounts(rng, n_orgs: int, masked: bool) -> np.ndarray:
    """One bond account per organization, as exported: masked with distinct visible digits, or hashed."""
    code = distinct_ints(rng, n_orgs, 0, len(_BINS) * 10_000) if masked else rng.integers(0, 10**15, n_orgs)
    if masked:
        return np.char.add(np.char.add(_BINS[code // 10_000], "****"), np.char.zfill((code % 10_000).astype(str), 4))
    full = np.char.add(_BINS[code % len(_BINS)], np.char.zfill(code.astype(str), 15))
    return np.array([hashlib.sha256(a.encode()).hexdigest()[:32] for a in full.tolist()])


def _texts(rng, world: World, lots, bids, names, covered, pairs, boilerplate, site) -> pd.DataFrame:
    """Four sections per bid of a covered lot: cover, project manager, technical, commitment."""
    b_lot, b_org = bids["lot"].to_numpy(), bids["org"].to_numpy()
    rows = np.flatnonzero(covered[b_lot])
    compiler = world.index["bid_agent"].pick(b_org, rng.random(len(b_org)))
    compiler = np.where(compiler >= 0, compiler, world.index["legal_rep"].pick(b_org, rng.random(len(b_org))))
    manager = world.index["project_manager"].pick(b_org, rng.random(len(b_org)))
    on_site = site[site["role"].to_numpy() == "项目经理"]
    site_pm = dict(zip(on_site["lot"].to_numpy().tolist(), on_site["person"].to_numpy().tolist()))
    winners = np.flatnonzero(bids["winner"].to_numpy())
    for w in winners:  # the winner's named manager is the one on its site
        manager[w] = site_pm.get(int(b_lot[w]), manager[w])
    technical = {int(r): _technical(rng) for r in rows}
    for r in rows[rng.random(len(rows)) < 0.05]:
        technical[int(r)] += str(rng.choice(_HONEST_TYPOS))
    for _lot, pick in pairs["same_compiler"]:
        compiler[pick] = _first_known(compiler[pick], manager[pick])
    for _lot, pick in pairs["same_project_manager"]:
        manager[pick] = _first_known(manager[pick], compiler[pick])
    project_name = lots["project_name"].to_numpy()
    lot_name = lots["name"].to_numpy()
    for _lot, pick in pairs["near_duplicate"]:
        base = technical[int(pick[0])]
        for r in pick[1:]:
            technical[int(r)] = base.replace("。", "；", 1)
    figures = distinct_ints(rng, len(pairs["shared_errors"]), 100, 1000)
    for g, (lot, pick) in enumerate(pairs["shared_errors"]):
        others = np.flatnonzero(project_name != project_name[lot])  # another project's name, pasted in
        wrong = project_name[others[(lot * 7919) % len(others)]]
        error = _RARE_ERRORS[g % len(_RARE_ERRORS)].format(n=int(figures[g])) + f"本项目为{wrong}。"
        for r in pick:
            technical[int(r)] += error
    persons = world.persons["name"].to_numpy()
    out_bid, out_section, out_text = [], [], []
    standard = set(boilerplate)
    for r in rows.tolist():
        lot = int(b_lot[r])
        c = int(compiler[r])
        cover = f"{lot_name[lot]}投标文件。投标人：{world.orgs['name'].iat[b_org[r]]}。"
        cover += f"编制人：{persons[c]}（{names['person'](c)}）。" if c >= 0 else ""
        sections = [("cover", cover)]
        if manager[r] >= 0:
            m = int(manager[r])
            sections.append(
                ("project_manager", f"拟派项目经理：{persons[m]}（{names['person'](m)}），持有效注册建造师证书。")
            )
        sections.append(("technical", technical[r] + (_STANDARD_CLAUSE * 3 if lot in standard else "")))
        sections.append(("commitment", _COMMITMENT))
        for section, text in sections:
            out_bid.append(r)
            out_section.append(section)
            out_text.append(text)
    return pd.DataFrame({"bid": out_bid, "section": out_section, "text": out_text})


def _first_known(people: np.ndarray, fallback: np.ndarray) -> int:
    """The first person named among ``people`` (else among ``fallback``), to name in every bid."""
    known = np.concatenate([people[people >= 0], fallback[fallback >= 0]])
    return int(known[0])


def _technical(rng) -> str:
    """An honest technical proposal: 6-9 sentences of the common stock, in the bidder's own order."""
    return "".join(rng.choice(_SENTENCES, int(rng.integers(6, 10)), replace=False).tolist())
