"""``generate_city``: the whole pipeline, from regions to the bundle and ``truth.json``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from bidgraph.citygen import (
    anomalies,
    award,
    changes,
    efficiency,
    emergency,
    evidence,
    market,
    niches,
    noise,
    panels,
    patterns,
    schemes,
    statutory,
    ties,
)
from bidgraph.citygen.names import SUBTYPES
from bidgraph.citygen.places import make_regions
from bidgraph.citygen.scales import REALISM, get_scale
from bidgraph.citygen.tamper import BidBook
from bidgraph.citygen.truth import build_truth
from bidgraph.citygen.world import make_world
from bidgraph.citygen.writer import Ids, iso_dates, iso_times, write_table

__all__ = ["HARD_TABLES", "generate_city"]

HARD_TABLES = ("bid_members",)  # optional tables only the hard world writes

_HARD_RING_SIZE_MAX = 12


def generate_city(out_dir, scale: str = "small", seed: int = 0, realism: str = "default") -> dict:
    """Generate a synthetic procurement world and write it as an input bundle.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write (created if missing): one CSV per bundle table and ``truth.json``.
    scale : {"small", "city", "province"}
        About 1,500, 20,000 or 1,000,000 bids.
    seed : int
        Seeds the one random generator: the same seed writes byte-identical files.
    realism : {"default", "hard"}
        ``hard`` adds what makes a real market hard to read: specialty niches, consultancies,
        corporate groups and consortia, serviced offices, thin records, loose rings that skip
        lots and face outsiders, legal change orders (see ``docs/generator.md``).

    Returns
    -------
    dict
        The truth (also written to ``truth.json``): every planted scheme and decoy with the
        bundle ids needed to score detectors. See ``docs/generator.md``.
    """
    if realism not in REALISM:
        raise ValueError(f"unknown realism {realism!r}; expected one of {', '.join(REALISM)}")
    hard = realism == "hard"
    sc = replace(get_scale(scale), ring_size_max=_HARD_RING_SIZE_MAX) if hard else get_scale(scale)
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    regions = make_regions(sc.cities, sc.small_county_share)
    world = make_world(rng, sc, regions)
    big = _big_winners(rng, world, sc)

    # Projects and lots: honest ones per city, then the planted split purchases.
    frames, n_proj = [], 0
    for c in range(sc.cities):
        lots_c = market.make_lots(rng, round(sc.lots / 1.55), world, c)
        lots_c["project"] += n_proj
        n_proj = int(lots_c["project"].max()) + 1
        frames.append(lots_c)
    split_lots_frame, split_plans = schemes.plan_splitting(rng, world, sc, n_proj)
    n_honest = sum(len(f) for f in frames)
    if split_lots_frame is not None:
        frames.append(split_lots_frame)
    lots = pd.concat(frames, ignore_index=True)
    split_lots = np.arange(n_honest, len(lots))

    book = BidBook(market.sample_bids(rng, world, lots))
    used = np.zeros(len(lots), bool)
    used[split_lots] = True
    splitting = schemes.plant_splitting(rng, world, lots, book, split_plans, split_lots, used)
    hard_planted: dict = {}
    if hard:
        hard_planted["expert_pools"] = niches.shrink_expert_pools(rng, world)
        hard_planted["niches"], niche_rings = niches.plant_niches(rng, world, lots, book, sc, used)
    rings = schemes.plant_rings(rng, world, lots, book, sc, used, hard)
    if hard:
        rings += niche_rings
    covers = schemes.plant_cover_bidders(rng, world, lots, book, sc, used)
    t_aff = schemes.plant_affinity(rng, world, lots, book, sc, used, "tenderer", hard)
    a_aff = schemes.plant_affinity(rng, world, lots, book, sc, used, "agency", hard)
    e_aff = schemes.plant_expert_affinity(rng, world, lots, book, sc, used)
    if hard:
        hard_planted["ties"] = ties.plant_ties(rng, world, sc)
        ties.plant_same_compiler(rng, lots, book, hard_planted["ties"], used)
    bids = book.table()
    if hard:
        bids, hard_planted["consortia"] = ties.form_consortia(rng, bids, hard_planted["ties"], used)
        bids = noise.reject_some(rng, bids, used)
    panel = panels.draw_panels(rng, world, lots, bids, e_aff)
    bias = panels.plant_expert_bias(rng, world, panel, sc.expert_bias * sc.cities)
    scores, tech = panels.score_bids(rng, world, bids, panel, e_aff)
    bids, knockouts, contentious = efficiency.plant_knockouts(seed, lots, bids, used)
    bids, pattern_rings, pattern_decoys = patterns.plant_price_patterns(seed, world, lots, bids, used)
    lots, bids, repeat, urgent = emergency.plant_emergency(seed, world, lots, bids, used)
    bids = market.settle(bids, lots, tech)

    contracts = emergency.hasten_awards(award.contracts_for(rng, lots, bids), lots, repeat, urgent)
    payments = award.payments_for(rng, contracts)
    site = award.site_personnel_for(rng, world, lots, contracts)
    n = sc.cities
    site, wnb = anomalies.plant_winner_not_builder(rng, world, lots, contracts, site, used, sc.winner_not_builder * n)
    contracts, payments, pay = anomalies.plant_payment_anomalies(
        rng, world, lots, bids, contracts, payments, used, sc.payment_anomaly * n
    )
    lots, bids, contracts, gaps = anomalies.plant_procedure_gaps(rng, lots, bids, contracts, used, sc.procedure_gap * n)
    if hard:
        payments, hard_planted["change_orders"], hard_planted["changes"] = changes.plant_change_orders(
            rng, world, lots, contracts, payments, used
        )

    decoys = evidence.make_decoys(rng, sc.cities)
    submitted = evidence.submission_times(rng, lots, bids)
    uploads = evidence.uploads_for(rng, world, lots, bids, submitted, decoys, rings)
    documents = evidence.documents_for(rng, world, bids, submitted, rings)
    if hard:
        hard_planted["same_compiler"] = ties.compile_bids(rng, bids, uploads, documents, hard_planted["ties"])
        hard_planted["generic_fingerprints"] = noise.thin_records(rng, uploads, documents)
    legal = hard_planted["change_orders"] if hard else None
    stat = statutory.plant_statutory(seed, world, lots, bids, contracts, site, used, legal, masked=sc.cities == 1)

    ids = Ids(
        len(world.orgs),
        len(world.persons),
        int(lots["project"].max()) + 1,
        len(bids),
        len(world.experts),
        len(contracts),
        len(payments),
        len(stat["changes"]),
    )
    stat = stat["finish"](ids) | {"org_names": world.orgs["name"].to_numpy()}
    lot_ids = ids.lot(lots["project"].to_numpy(), lots["k"].to_numpy())
    counts = _write_bundle(
        out, world, lots, bids, submitted, uploads, documents, scores, contracts, payments, site, ids
    )
    if hard:
        counts |= {name: write_table(out, name, columns) for name, columns in _hard_tables(bids, hard_planted, ids)}
    counts |= {
        name: write_table(out, name, columns) for name, columns in statutory.statutory_tables(stat, ids, lot_ids)
    }
    planted = {
        "rings": rings,
        "covers": covers,
        "tenderer_affinity": t_aff,
        "agency_affinity": a_aff,
        "expert_affinity": e_aff,
        "expert_bias": bias,
        "splitting": splitting,
        "winner_not_builder": wnb,
        "payments": pay,
        "gaps": gaps,
        "decoys": decoys,
        "big_winners": big,
        **hard_planted,
    }
    truth = build_truth(ids, seed, sc, counts, world, lots, bids, planted)
    extra = statutory.statutory_truth(stat, ids, lot_ids, lots)
    truth["decoys"] |= extra.pop("decoys")
    truth["meta"]["thresholds"] |= extra.pop("thresholds")
    truth |= extra
    eff = efficiency.efficiency_truth(knockouts, contentious, ids, lot_ids, lots)
    truth["decoys"] |= eff.pop("decoys")
    truth |= eff
    price = patterns.pattern_truth(pattern_rings, pattern_decoys, ids, lot_ids, bids)
    truth["decoys"] |= price["decoys"]
    truth["statutory"]["price_pattern"] = price["price_pattern"]
    urgent_truth = emergency.emergency_truth(repeat, urgent, ids, lot_ids)
    truth["decoys"] |= urgent_truth.pop("decoys")
    truth |= urgent_truth
    # an emergency lot the planted supplier took, or with a planted procedure gap, is no lawful decoy
    taken = {lot for r in truth["emergency_repeat_supplier"] for lot in r["lot_ids"]}
    taken |= {g["lot_id"] for g in truth["procedure_gap"]}
    truth["decoys"]["emergency_lots"] = [lot for lot in truth["decoys"]["emergency_lots"] if lot not in taken]
    with open(out / "truth.json", "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return truth


def _big_winners(rng, world, sc) -> np.ndarray:
    """Large construction firms that win often by being cheapest (a decoy for 标王 screens)."""
    orgs = world.orgs
    per_city = []
    for c in range(sc.cities):
        core = np.flatnonzero(world.regions.city == c)[0]  # big firms sit in the city's core district
        pool = world.firms[
            (orgs.loc[world.firms, "supply"].to_numpy() == 0) & (orgs.loc[world.firms, "region"].to_numpy() == core)
        ]
        per_city.append(rng.choice(pool, sc.big_winners, replace=False))
    picked = np.concatenate(per_city)
    firms_act = orgs.loc[world.firms, "activity"].to_numpy()
    orgs.loc[picked, "activity"] = 6 * np.quantile(firms_act, 0.9)
    orgs.loc[picked, "cost"] -= 0.075
    orgs.loc[picked, "quality"] += 1.0
    orgs.loc[picked, "registered_capital"] *= 10
    orgs.loc[picked, "tag"] = "big_winner"
    return picked


def _write_bundle(
    out, world, lots, bids, submitted, uploads, documents, scores, contracts, payments, site, ids
) -> dict:
    """Write every bundle table; returns the row count by table."""
    tables = _bundle_tables(world, lots, bids, submitted, uploads, documents, scores, contracts, payments, site, ids)
    return {name: write_table(out, name, columns) for name, columns in tables}


def _as_is(frame, *names) -> dict:
    """Columns written as the frame holds them, under the same names."""
    return {name: frame[name] for name in names}


def _bundle_tables(world, lots, bids, submitted, uploads, documents, scores, contracts, payments, site, ids):
    """Each bundle table as (name, columns), in the schema's column order."""
    orgs, persons, roles = world.orgs, world.persons, world.all_roles()
    yield (
        "organizations",
        {
            "org_id": ids.org(np.arange(len(orgs))),
            **_as_is(orgs, "uscc", "name", "kind", "region_code", "address", "phone", "email", "registered_capital"),
            "founded_on": iso_dates(orgs["founded_on"]),
        },
    )
    yield (
        "persons",
        {
            "person_id": ids.person(np.arange(len(persons))),
            **_as_is(persons, "name", "id_number", "phone"),
        },
    )
    roles = roles.sort_values(["org", "role", "person"], kind="stable")
    yield (
        "person_roles",
        {
            "person_id": ids.person(roles["person"]),
            "org_id": ids.org(roles["org"]),
            **_as_is(roles, "role", "share_pct"),
            "since": iso_dates(roles["since"]),
            "until": iso_dates(roles["until"]),
        },
    )
    yield "regions", _region_rows(world.regions)
    by_project = lots.groupby("project", sort=True)
    described = ["project_name", "category", "region", "tenderer", "agency", "budget", "procedure"]
    proj = by_project[described].first().rename(columns={"project_name": "name"})
    proj["approved"] = by_project["approved"].min()
    yield (
        "projects",
        {
            "project_id": ids.project(proj.index.to_numpy()),
            "name": proj["name"].to_numpy(),
            "category": proj["category"].to_numpy(),
            "region_code": world.regions.code[proj["region"].to_numpy()],
            "tenderer_id": ids.org(proj["tenderer"].to_numpy()),
            "agency_id": ids.opt_org(proj["agency"].to_numpy()),
            "budget": proj["budget"].to_numpy(),
            "procedure": proj["procedure"].to_numpy(),
            "approved_on": iso_dates(proj["approved"].to_numpy()),
        },
    )
    lot_ids = ids.lot(lots["project"].to_numpy(), lots["k"].to_numpy())
    yield (
        "lots",
        {
            "lot_id": lot_ids,
            "project_id": ids.project(lots["project"].to_numpy()),
            "name": lots["name"],
            "ceiling_price": lots["ceiling"],
            "published_on": iso_dates(lots["published"]),
            "opened_on": iso_dates(lots["opened"]),
            "evaluation": lots["evaluation"],
        },
    )
    b_lot = bids["lot"].to_numpy()
    bid_ids = ids.bid(np.arange(len(bids)))
    rank = bids["rank"].to_numpy()
    yield (
        "bids",
        {
            "bid_id": bid_ids,
            "lot_id": lot_ids[b_lot],
            "org_id": ids.org(bids["org"].to_numpy()),
            "price": bids["price"],
            "submitted_at": iso_times(submitted),
            "score": bids["score"],
            "rank": pd.Series(rank).where(rank > 0).astype("Int64"),
            "is_winner": bids["winner"].to_numpy(),
            "is_valid": bids["valid"].to_numpy(),
        },
    )
    yield (
        "bid_uploads",
        {
            "bid_id": bid_ids,
            **_as_is(uploads, "ip", "mac", "hardware_id"),
            "uploaded_at": iso_times(uploads["uploaded_at"]),
        },
    )
    yield (
        "bid_documents",
        {
            "bid_id": bid_ids,
            **_as_is(documents, "file_sha256", "fingerprint", "author"),
            "created_at": iso_times(documents["created_at"]),
        },
    )
    ex = world.experts
    yield (
        "experts",
        {
            "expert_id": ids.expert(np.arange(len(ex))),
            "person_id": ids.person(ex["person"].to_numpy()),
            "name": persons["name"].to_numpy()[ex["person"].to_numpy()],
            "specialty": np.asarray([s[1] for s in SUBTYPES])[ex["specialty"].to_numpy()],
            "employer_org_id": ids.opt_org(ex["employer"].to_numpy()),
        },
    )
    s_bid = scores["bid"].to_numpy()
    yield (
        "expert_scores",
        {
            "lot_id": lot_ids[b_lot[s_bid]],
            "expert_id": ids.expert(scores["expert"].to_numpy()),
            "bid_id": bid_ids[s_bid],
            "score": scores["score"],
        },
    )
    yield (
        "contracts",
        {
            "contract_id": ids.contract(np.arange(len(contracts))),
            "lot_id": lot_ids[contracts["lot"].to_numpy()],
            "org_id": ids.org(contracts["org"].to_numpy()),
            "amount": contracts["amount"],
            "signed_on": iso_dates(contracts["signed"]),
        },
    )
    payments = payments.reset_index(drop=True)
    yield (
        "payments",
        {
            "payment_id": ids.payment(np.arange(len(payments))),
            "contract_id": ids.contract(payments["contract"].to_numpy()),
            "amount": payments["amount"],
            "paid_on": iso_dates(payments["paid"]),
        },
    )
    yield (
        "site_personnel",
        {
            "lot_id": lot_ids[site["lot"].to_numpy()],
            "person_id": ids.person(site["person"].to_numpy()),
            "org_id": ids.opt_org(site["org"].to_numpy()),
            "role": site["role"],
            "first_seen": iso_dates(site["first"]),
            "last_seen": iso_dates(site["last"]),
            "days_present": site["days"],
        },
    )


def _region_rows(regions) -> dict:
    """Each city (code ``36cc00``) and its districts and counties, with names and parent codes."""
    cities = np.arange(len(regions.city_names))
    city_codes = (360000 + (cities + 1) * 100).astype(str)
    return {
        "region_code": np.concatenate([city_codes, regions.code.astype(str)]),
        "name": np.concatenate([regions.city_names, regions.name]),
        "parent_code": np.concatenate([np.full(len(cities), ""), city_codes[regions.city]]),
    }


def _hard_tables(bids, planted: dict, ids):
    """The optional table only the hard world writes: consortium members."""
    members = planted["consortia"]
    yield (
        "bid_members",
        {
            "bid_id": ids.bid(ties.consortium_bid_rows(bids, members)),
            "org_id": ids.org(members["org"].to_numpy()),
            "role": members["role"].to_numpy(),
        },
    )
