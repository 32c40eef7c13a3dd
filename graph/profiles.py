"""Portraits: one firm's, one expert's or one project's record, gathered from the graph.

Pure functions of a query-API store (``node`` and ``snapshot``; the workbench passes its
region-scoped store, so a portrait holds only what the user may see, and asking for an entity
outside the region raises ``NotFound`` exactly as ``node`` does) and of the stored findings
(already cut to the user's region). Nothing here is a detector: these are counts and means of
the bundle's own rows, and the findings and the smoke index are read as stored.

- :func:`firm_profile` (企业画像): bids, wins and win rate per year; the tenderers and agencies
  it won with; its co-bidders; persons and roles; traces (IP, device, document) it shares with
  other bidders; findings; the smoke index and its history.
- :func:`expert_profile` (专家画像): panels, specialties, scoring tendency (each score against
  the mean of the rest of the panel for the same bid) and the firms it scored above the panel.
- :func:`project_profile` (项目档案): every dated step from approval to payment and site
  presence on one timeline, and the findings that name the project or its lots.

Tables come back as lists of plain dicts, sorted deterministically.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["firm_profile", "expert_profile", "project_profile", "findings_of", "smoke_trend", "STAGES", "TRACES"]

SMOKE_INDEX = "smoke_index"
# Timeline steps of a project, in the order they happen on one day.
STAGES = (
    "approved",
    "published",
    "submitted",
    "opened",
    "evaluated",
    "awarded",
    "complaint",
    "signed",
    "change",
    "personnel",
    "on_site",
    "payment",
    "settled",
)
# Traces a bid leaves: (table, column).
TRACES = (
    ("bid_uploads", "ip"),
    ("bid_uploads", "mac"),
    ("bid_uploads", "hardware_id"),
    ("bid_documents", "file_sha256"),
    ("bid_documents", "fingerprint"),
    ("bid_documents", "author"),
)
TOP = 20  # rows of a ranked table (co-bidders, firms scored high)


def _s(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as strings ('' for missing), or a column of '' when the table lacks it."""
    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str)


def _day(value) -> str:
    """An ISO day, or '' when missing."""
    stamp = pd.to_datetime(value, errors="coerce")
    return "" if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


def _num(value) -> float | None:
    value = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(value) else round(float(value), 2)


def _names(snapshot, table: str, key: str) -> dict[str, str]:
    df = snapshot[table]
    return dict(zip(_s(df, key), _s(df, "name")))


def findings_of(findings: list[dict], keys: set[tuple[str, str]]) -> list[dict]:
    """The findings (smoke index aside) naming any ``(entity type, id)`` of ``keys``, strongest
    first: rows of id, detector, score, severity, summary, first_seen, last_seen and the
    evidence's ``explanation`` (``{"zh", "en"}``)."""
    hits = [
        f
        for f in findings
        if f.get("detector") != SMOKE_INDEX
        and any((e.get("type"), str(e.get("id"))) in keys for e in f.get("entities") or [])
    ]
    hits.sort(key=lambda f: (-float(f.get("score") or 0), f["id"]))
    cols = ("id", "detector", "score", "severity", "summary", "first_seen", "last_seen")
    return [{**{c: f.get(c) for c in cols}, "explanation": (f.get("evidence") or {}).get("explanation")} for f in hits]


def smoke_trend(findings: list[dict], entity_type: str, entity_id: str) -> dict | None:
    """The stored smoke index of one entity: ``{"finding", "index", "trend": [[at, index]...]}``
    (None when it has none). The trend is the finding's score history across batches; a
    finding cut to a region (its score no longer the last one recorded) shows its current
    part only, as the history is of the whole."""
    for f in findings:
        ent = (f.get("entities") or [{}])[0]
        if f.get("detector") == SMOKE_INDEX and (ent.get("type"), str(ent.get("id"))) == (entity_type, entity_id):
            index = round(float(f["score"]) * 100, 2)
            history = [[at, round(float(s) * 100, 2)] for at, s in f.get("scores") or []]
            if not history or history[-1][1] != index:
                history = [[f.get("last_seen") or "", index]]
            return {"finding": f["id"], "index": index, "trend": history}
    return None


def _lot_context(snapshot) -> pd.DataFrame:
    """Per lot: project, project name, tenderer, agency, category, opening day."""
    lots, projects = snapshot["lots"], snapshot["projects"]
    ctx = pd.DataFrame(
        {"lot_id": _s(lots, "lot_id"), "project_id": _s(lots, "project_id"), "opened": lots["opened_on"]}
    )
    proj = pd.DataFrame(
        {
            "project_id": _s(projects, "project_id"),
            "project": _s(projects, "name"),
            "tenderer_id": _s(projects, "tenderer_id"),
            "agency_id": _s(projects, "agency_id"),
            "category": _s(projects, "category"),
        }
    )
    return ctx.merge(proj, on="project_id", how="left").fillna("")


# -- firms ------------------------------------------------------------------------------------
def _firm_bids(snapshot, org_id: str) -> pd.DataFrame:
    """The firm's bids (alone or as a consortium member) with their lot's context."""
    bids = snapshot["bids"]
    members = snapshot["bid_members"]
    as_member = set(_s(members, "bid_id")[_s(members, "org_id") == org_id])
    mine = bids[(_s(bids, "org_id") == org_id) | _s(bids, "bid_id").isin(as_member)]
    out = pd.DataFrame(
        {
            "bid_id": _s(mine, "bid_id"),
            "lot_id": _s(mine, "lot_id"),
            "won": mine["is_winner"].fillna(False).astype(bool),
            "price": pd.to_numeric(mine["price"], errors="coerce"),
            "submitted": pd.to_datetime(mine["submitted_at"], errors="coerce"),
        }
    )
    out = out.merge(_lot_context(snapshot), on="lot_id", how="left")
    when = pd.to_datetime(out["opened"], errors="coerce").fillna(out["submitted"])
    return out.assign(year=when.dt.year.astype("Int64").astype(str).replace("<NA>", ""))


def _per_year(bids: pd.DataFrame) -> list[dict]:
    if bids.empty:
        return []
    grouped = bids.groupby("year", sort=True)["won"].agg(["size", "sum"])
    return [
        {"year": str(y), "bids": int(n), "wins": int(w), "win_rate": round(int(w) / int(n), 3)}
        for y, (n, w) in grouped.iterrows()
    ]


def _won_with(bids: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    won = bids[bids["won"]]
    rows = []
    for role, column in (("tenderer", "tenderer_id"), ("agency", "agency_id")):
        for org, n in won[won[column] != ""].groupby(column).size().items():
            rows.append({"role": role, "org_id": str(org), "name": names.get(str(org), ""), "wins": int(n)})
    return sorted(rows, key=lambda r: (r["role"] != "tenderer", -r["wins"], r["org_id"]))


def _co_bidders(snapshot, bids: pd.DataFrame, org_id: str, names: dict[str, str]) -> list[dict]:
    all_bids = snapshot["bids"]
    on_lots = all_bids[_s(all_bids, "lot_id").isin(set(bids["lot_id"])) & (_s(all_bids, "org_id") != org_id)]
    if on_lots.empty:
        return []
    others = pd.DataFrame(
        {"org_id": _s(on_lots, "org_id"), "lot_id": _s(on_lots, "lot_id"), "won": on_lots["is_winner"].fillna(False)}
    )
    grouped = others.groupby("org_id").agg(lots=("lot_id", "nunique"), wins=("won", "sum"))
    rows: list[dict[str, Any]] = [
        {"org_id": str(o), "name": names.get(str(o), ""), "lots": int(r["lots"]), "their_wins": int(r["wins"])}
        for o, r in grouped.iterrows()
    ]
    return sorted(rows, key=lambda r: (-r["lots"], r["org_id"]))[:TOP]


def _persons(snapshot, org_id: str) -> list[dict]:
    roles = snapshot["person_roles"]
    mine = roles[_s(roles, "org_id") == org_id]
    names = _names(snapshot, "persons", "person_id")
    rows = [
        {
            "person_id": p,
            "name": names.get(p, ""),
            "role": r,
            "share_pct": _num(share),
            "since": _day(since),
            "until": _day(until),
        }
        for p, r, share, since, until in zip(
            _s(mine, "person_id"), _s(mine, "role"), mine["share_pct"], mine["since"], mine["until"]
        )
    ]
    return sorted(rows, key=lambda r: (r["role"], r["person_id"]))


def _traces(snapshot, bids: pd.DataFrame, org_id: str, names: dict[str, str]) -> list[dict]:
    """Trace values on the firm's bids that bids of other firms carry too."""
    owner = dict(zip(_s(snapshot["bids"], "bid_id"), _s(snapshot["bids"], "org_id")))
    mine = set(bids["bid_id"])
    rows = []
    for table, column in TRACES:
        df = snapshot[table]
        if column not in df or df.empty:
            continue
        pairs = pd.DataFrame({"bid_id": _s(df, "bid_id"), "value": _s(df, column)})
        pairs = pairs[pairs["value"] != ""]
        ours = set(pairs.loc[pairs["bid_id"].isin(mine), "value"])
        shared = pairs[pairs["value"].isin(ours) & ~pairs["bid_id"].isin(mine)]
        for value, group in shared.groupby("value"):
            firms = sorted({owner.get(b, "") for b in group["bid_id"]} - {"", org_id})
            if firms:
                rows.append(
                    {
                        "kind": column,
                        "value": str(value),
                        "firms": [{"org_id": f, "name": names.get(f, "")} for f in firms],
                    }
                )
    return sorted(rows, key=lambda r: (-len(r["firms"]), r["kind"], r["value"]))


def firm_profile(api, org_id: str, findings: list[dict]) -> dict:
    """企业画像 of organization ``org_id`` (see the module docstring)."""
    org_id = str(org_id)
    node = api.node(f"Organization:{org_id}")
    snapshot = api.snapshot()
    names = _names(snapshot, "organizations", "org_id")
    bids = _firm_bids(snapshot, org_id)
    wins = int(bids["won"].sum())
    return {
        "kind": "firm",
        "id": org_id,
        "name": node["properties"].get("name") or node.get("caption") or org_id,
        "properties": node["properties"],
        "totals": {"bids": len(bids), "wins": wins, "win_rate": round(wins / len(bids), 3) if len(bids) else None},
        "per_year": _per_year(bids),
        "won_with": _won_with(bids, names),
        "co_bidders": _co_bidders(snapshot, bids, org_id, names),
        "persons": _persons(snapshot, org_id),
        "traces": _traces(snapshot, bids, org_id, names),
        "findings": findings_of(findings, {("company", org_id)}),
        "smoke": smoke_trend(findings, "company", org_id),
    }


# -- experts ----------------------------------------------------------------------------------
def _deviations(snapshot, expert_id: str) -> pd.DataFrame:
    """Each score of the expert beside the mean of the other panel members' scores of the same bid."""
    scores = snapshot["expert_scores"]
    frame = pd.DataFrame(
        {
            "lot_id": _s(scores, "lot_id"),
            "expert_id": _s(scores, "expert_id"),
            "bid_id": _s(scores, "bid_id"),
            "score": pd.to_numeric(scores["score"], errors="coerce"),
        }
    ).dropna(subset=["score"])
    per_bid = frame.groupby("bid_id")["score"].agg(["sum", "size"])
    mine = frame[frame["expert_id"] == expert_id].join(per_bid, on="bid_id")
    others = mine["size"] - 1
    mine = mine.assign(panel_mean=(mine["sum"] - mine["score"]) / others.where(others > 0))
    return mine.assign(deviation=mine["score"] - mine["panel_mean"]).drop(columns=["sum", "size"])


def expert_profile(api, expert_id: str, findings: list[dict]) -> dict:
    """专家画像 of expert ``expert_id`` (see the module docstring)."""
    expert_id = str(expert_id)
    node = api.node(f"Expert:{expert_id}")
    snapshot = api.snapshot()
    mine = _deviations(snapshot, expert_id)
    ctx = _lot_context(snapshot).set_index("lot_id")
    panel_sizes = snapshot["expert_scores"].astype({"lot_id": str}).groupby("lot_id")["expert_id"].nunique()
    panels = []
    for lot, group in mine.groupby("lot_id", sort=False):
        row = ctx.loc[lot] if lot in ctx.index else pd.Series(dtype=object)
        panels.append(
            {
                "lot_id": lot,
                "project_id": row.get("project_id", ""),
                "project": row.get("project", ""),
                "category": row.get("category", ""),
                "opened": _day(row.get("opened")),
                "experts": int(panel_sizes.get(lot, 0)),
                "bids": int(group["bid_id"].nunique()),
                "mean_deviation": _num(group["deviation"].mean()),
            }
        )
    panels.sort(key=lambda r: (r["opened"], r["lot_id"]), reverse=True)
    specialty = str(node["properties"].get("specialty") or "")
    categories = pd.Series([p["category"] for p in panels if p["category"]], dtype=object).value_counts()
    owner = dict(zip(_s(snapshot["bids"], "bid_id"), _s(snapshot["bids"], "org_id")))
    won = dict(zip(_s(snapshot["bids"], "bid_id"), snapshot["bids"]["is_winner"].fillna(False).astype(bool)))
    scored = mine.dropna(subset=["deviation"]).assign(
        org_id=lambda d: d["bid_id"].map(owner).fillna(""), won=lambda d: d["bid_id"].map(won).fillna(False)
    )
    names = _names(snapshot, "organizations", "org_id")
    firms: list[dict[str, Any]] = [
        {
            "org_id": str(o),
            "name": names.get(str(o), ""),
            "scores": int(len(g)),
            "mean_deviation": _num(g["deviation"].mean()),
            "wins": int(g["won"].sum()),
        }
        for o, g in scored[scored["org_id"] != ""].groupby("org_id")
    ]
    dev = scored["deviation"]
    return {
        "kind": "expert",
        "id": expert_id,
        "name": node["properties"].get("name") or node.get("caption") or expert_id,
        "properties": node["properties"],
        "specialties": [s for s in (x.strip() for x in specialty.replace("、", ";").split(";")) if s],
        "categories": [{"category": str(c), "panels": int(n)} for c, n in sorted(categories.items())],
        "totals": {
            "panels": len(panels),
            "scores": int(len(mine)),
            "mean_deviation": _num(dev.mean()),
            "above_panel": round(float((dev > 0).mean()), 3) if len(dev) else None,
        },
        "panels": panels,
        "firms_high": sorted(
            (f for f in firms if (f["mean_deviation"] or 0) > 0), key=lambda f: (-f["mean_deviation"], f["org_id"])
        )[:TOP],
        "findings": findings_of(findings, {("expert", expert_id)}),
    }


# -- projects ---------------------------------------------------------------------------------
def _event(date, stage: str, lot: str = "", subject: str = "", amount=None, detail: str = "") -> dict:
    return {
        "date": _day(date),
        "stage": stage,
        "lot": lot,
        "subject": subject,
        "amount": _num(amount),
        "detail": detail,
    }


def _rows(snapshot, table: str, column: str, values: set[str]) -> pd.DataFrame:
    df = snapshot[table]
    return df[_s(df, column).isin(values)]


def _timeline(snapshot, project: pd.Series, lot_ids: set[str]) -> list[dict]:
    orgs = _names(snapshot, "organizations", "org_id")
    persons = _names(snapshot, "persons", "person_id")
    lots = _rows(snapshot, "lots", "lot_id", lot_ids)
    events = [_event(project.get("approved_on"), "approved", subject=orgs.get(str(project.get("tenderer_id")), ""))]
    for lot, published, opened, method in zip(
        _s(lots, "lot_id"), lots["published_on"], lots["opened_on"], _s(lots, "evaluation")
    ):
        events += [_event(published, "published", lot), _event(opened, "opened", lot, detail=method)]
    bids = _rows(snapshot, "bids", "lot_id", lot_ids)
    for lot, group in bids.groupby(_s(bids, "lot_id")):
        events.append(_event(group["submitted_at"].min(), "submitted", lot, amount=len(group)))
        opened = lots.loc[_s(lots, "lot_id") == lot, "opened_on"]
        for org, price in zip(_s(group, "org_id")[group["is_winner"].fillna(False).astype(bool)], group["price"]):
            events.append(_event(opened.iloc[0] if len(opened) else None, "awarded", lot, orgs.get(org, org), price))
    scores = _rows(snapshot, "expert_scores", "lot_id", lot_ids)
    opened_on = dict(zip(_s(lots, "lot_id"), lots["opened_on"]))
    for lot, group in scores.groupby(_s(scores, "lot_id")):
        events.append(_event(opened_on.get(lot), "evaluated", lot, amount=group["expert_id"].nunique()))
    contracts = _rows(snapshot, "contracts", "lot_id", lot_ids)
    lot_of = dict(zip(_s(contracts, "contract_id"), _s(contracts, "lot_id")))
    for cid, lot, org, amount, signed in zip(
        _s(contracts, "contract_id"),
        _s(contracts, "lot_id"),
        _s(contracts, "org_id"),
        contracts["amount"],
        contracts["signed_on"],
    ):
        events.append(_event(signed, "signed", lot, orgs.get(org, org), amount, cid))
    changes = _rows(snapshot, "contract_changes", "contract_id", set(lot_of))
    for cid, day, delta, kind, reason in zip(
        _s(changes, "contract_id"),
        changes["approved_on"],
        changes["amount_delta"],
        _s(changes, "kind"),
        _s(changes, "reason"),
    ):
        events.append(_event(day, "change", lot_of.get(cid, ""), amount=delta, detail=f"{kind} {reason}".strip()))
    for table, day, amount, stage in (
        ("payments", "paid_on", "amount", "payment"),
        ("settlements", "settled_on", "settled_amount", "settled"),
    ):
        df = _rows(snapshot, table, "contract_id", set(lot_of))
        for cid, d, a in zip(_s(df, "contract_id"), df[day], df[amount]):
            events.append(_event(d, stage, lot_of.get(cid, ""), amount=a, detail=cid))
    changes = _rows(snapshot, "personnel_changes", "lot_id", lot_ids)
    for lot, day, out, into, role in zip(
        _s(changes, "lot_id"),
        changes["changed_on"],
        _s(changes, "person_out"),
        _s(changes, "person_in"),
        _s(changes, "role"),
    ):
        who = f"{persons.get(out, out)} → {persons.get(into, into)}"
        events.append(_event(day, "personnel", lot, who, detail=role))
    site = _rows(snapshot, "site_personnel", "lot_id", lot_ids)
    for lot, person, role, first, last, days in zip(
        _s(site, "lot_id"),
        _s(site, "person_id"),
        _s(site, "role"),
        site["first_seen"],
        site["last_seen"],
        site["days_present"],
    ):
        events.append(
            _event(first, "on_site", lot, persons.get(person, person), days, f"{role} {_day(first)}~{_day(last)}")
        )
    complaints = snapshot["complaints"]
    complaints = complaints[
        (_s(complaints, "project_id") == str(project["project_id"])) | _s(complaints, "lot_id").isin(lot_ids)
    ]
    for lot, org, kind, day in zip(
        _s(complaints, "lot_id"), _s(complaints, "complainant_org_id"),
        _s(complaints, "kind"), complaints["received_on"],
    ):  # fmt: skip
        events.append(_event(day, "complaint", lot, orgs.get(org, org), detail=kind))
    order = {s: i for i, s in enumerate(STAGES)}
    return sorted(events, key=lambda e: (e["date"] or "9999", order[e["stage"]], e["lot"], e["subject"], e["detail"]))


def project_profile(api, project_id: str, findings: list[dict]) -> dict:
    """项目档案 of project ``project_id`` (see the module docstring)."""
    project_id = str(project_id)
    node = api.node(f"Project:{project_id}")
    snapshot = api.snapshot()
    projects = snapshot["projects"]
    row = projects[_s(projects, "project_id") == project_id].iloc[0]
    lots = snapshot["lots"]
    lot_ids = set(_s(lots, "lot_id")[_s(lots, "project_id") == project_id])
    orgs = _names(snapshot, "organizations", "org_id")
    keys = {("project", project_id)} | {("lot", lot) for lot in lot_ids}
    return {
        "kind": "project",
        "id": project_id,
        "name": node["properties"].get("name") or node.get("caption") or project_id,
        "properties": node["properties"],
        "tenderer": {"org_id": str(row.get("tenderer_id") or ""), "name": orgs.get(str(row.get("tenderer_id")), "")},
        "agency": {"org_id": str(row.get("agency_id") or ""), "name": orgs.get(str(row.get("agency_id")), "")},
        "lots": sorted(lot_ids),
        "timeline": _timeline(snapshot, row, lot_ids),
        "findings": findings_of(findings, keys),
        "smoke": smoke_trend(findings, "project", project_id),
    }
