"""OCDS (Open Contracting Data Standard) to the bundle's tables.

``read_ocds`` turns each contracting process (see ``ocds_releases``) into rows of the bundle
tables, as text, with the English column names of ``graph/schema.toml``:

- organizations: every party, and every organisation referenced without a party entry; the id
  is ``SCHEME-identifier`` when the party has an identifier (unique across processes), else the
  party id; kind from roles (buyer, funder, payer: government; a procuring entity that is not a
  buyer: agency; tenderer, supplier, payee: enterprise); ``uscc`` when the identifier is CN-USCC
  or looks like one;
- projects: one per ``ocid``; tenderer = buyer (else procuring entity), agency = a procuring
  entity other than the buyer; procedure open/selective/limited/direct → open/invited/
  single_source/direct;
- lots: ``tender.lots`` (ids ``ocid/lot``) or one lot per process (id = ``ocid``);
- bids: ``bids.details`` (ids ``ocid/bid``; first tenderer; status valid/qualified/active →
  valid, disqualified/not-qualified/... → not valid); winners from active awards' suppliers on
  the bid's lot;
- contracts and payments (``contracts[].implementation.transactions``);
- ocds_releases: each process's compiled release as canonical JSON (what the red_flag
  detector runs Cardinal's indicators on), in the order the processes were first seen.

Nothing is dropped: a missing id or a non-numeric amount stays in its row as it came, so that
validation quarantines it and says where. Every row carries ``ocds_row`` (the line, or position
in a JSON document) and ``ocds_path`` (the JSON path in it). Money keeps its ``currency``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from bidgraph.graph.schema import schema
from bidgraph.loaders.bundle import validate_with_context
from bidgraph.loaders.model import Bundle, issue_frame
from bidgraph.loaders.ocds_releases import Process, read_processes

__all__ = ["read_ocds", "read_ocds_bundle", "OCDS_TABLES", "RELEASES"]

#: The tables validated as any bundle's; ``RELEASES`` is kept beside them as read.
OCDS_TABLES = ("organizations", "persons", "person_roles", "projects", "lots", "bids", "contracts", "payments")
RELEASES = "ocds_releases"
PROCEDURES = {"open": "open", "selective": "invited", "limited": "single_source", "direct": "direct"}
CATEGORIES = {"goods": "goods", "works": "construction", "services": "services"}
EVALUATION = {
    "lowestCost": "lowest_price",
    "priceOnly": "lowest_price",
    "costOnly": "lowest_price",
    "bestProposal": "comprehensive",
    "bestValueToGovernment": "comprehensive",
    "ratedCriteria": "comprehensive",
    "qualityOnly": "comprehensive",
}
VALID_BIDS = {"valid", "qualified", "active"}
INVALID_BIDS = {"disqualified", "not-qualified", "unqualified", "unsuccessful", "invalid", "withdrawn"}
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_QUARANTINED_REF = re.compile(r"(\w+) \((.+) row (\d+)\)$")
_DATE_AT_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ]00:00(?::00(?:\.0+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$")


def read_ocds(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read an OCDS file (JSON or JSON Lines: releases, compiled releases, release or record
    packages) into raw text tables named and shaped as the bundle's.

    Returns every table of ``OCDS_TABLES`` (persons and person_roles are empty: OCDS has no
    people), ``ocds_releases`` (processes without an ``ocid`` left out), and ``_unreadable``:
    lines or parts that are not OCDS (``row, reason, value``).
    """
    read = read_processes(path)
    rows: dict[str, list[dict]] = {name: [] for name in OCDS_TABLES}
    seen_orgs: dict[str, dict] = {}
    for process in read.processes:
        _process_rows(process, rows, seen_orgs)
    tables = {}
    for name in OCDS_TABLES:
        columns = [*schema().tables[name].columns]
        frame = pd.DataFrame(rows[name], dtype=object)
        extra = [c for c in frame.columns if c not in columns]
        tables[name] = frame.reindex(columns=columns + extra).astype(object)
    tables[RELEASES] = _release_rows(read.processes)
    tables["_unreadable"] = pd.DataFrame(read.unreadable, columns=["row", "reason", "value"], dtype=object)
    return tables


def read_ocds_bundle(path: str | Path, known: dict[str, pd.DataFrame] | None = None) -> Bundle:
    """Read and validate an OCDS file: :func:`read_ocds`, then the bundle's validation.

    Quarantine and warning lines name the OCDS file, the line (``row``) and the JSON path of
    the item; taken rows keep ``_row`` = that line and the ``ocds_path`` column. The releases
    are taken as read, not validated: text cleaning (NFKC) could change their JSON.

    With ``known`` (the tables of a graph this file is added to: the live graph, or the files
    read before it), rows may refer to its rows, and the releases' ``position`` continues
    after its last one, so that several files keep the order their processes were seen in.
    """
    path = Path(path).resolve()
    raw = read_ocds(path)
    lost = raw.pop("_unreadable")
    releases = raw.pop(RELEASES)
    unreadable = issue_frame([("projects", str(path), r.row, None, r.reason, r.value) for r in lost.itertuples()])
    # Numbered as validation would number them, so that context rows (row 0) can follow.
    raw = {name: frame.assign(_row=range(2, len(frame) + 2)) for name, frame in raw.items()}
    files = {name: str(path) for name in raw}
    bundle = validate_with_context(raw, files, known or {}, unreadable=unreadable, source=str(path))
    for name, table in bundle.tables.items():
        if len(table):
            table["_row"] = table["ocds_row"].astype("int64")
        bundle.tables[name] = table.drop(columns="ocds_row", errors="ignore")
    bundle.quarantine = _locate(bundle.quarantine, raw)
    bundle.warnings = _locate(bundle.warnings, raw)
    bundle.tables[RELEASES] = _taken_releases(releases, str(path), _last_position(known or {}))
    bundle.counts[RELEASES] = {"read": len(releases), "taken": len(releases), "quarantined": 0}
    return bundle


def _release_rows(processes: list[Process]) -> pd.DataFrame:
    """The raw ``ocds_releases`` rows (as text): one per process with an ``ocid``, file order."""
    keyed = [p for p in processes if isinstance(p.release.get("ocid"), str) and p.release["ocid"]]
    rows = [
        {
            "ocid": p.release["ocid"],
            "release": json.dumps(p.release, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            "position": str(position),
        }
        | _located(p.row)(p.path or "release")
        for position, p in enumerate(keyed, start=1)
    ]
    return pd.DataFrame(rows, columns=["ocid", "release", "position", "ocds_row", "ocds_path"], dtype=object)


def _last_position(known: dict[str, pd.DataFrame]) -> int:
    releases = known.get(RELEASES)
    return 0 if releases is None or len(releases) == 0 else int(releases["position"].max())


def _taken_releases(raw: pd.DataFrame, file: str, after: int = 0) -> pd.DataFrame:
    """The releases with the dtypes and provenance columns of a validated table, numbered
    from ``after + 1``."""
    return pd.DataFrame(
        {
            "ocid": raw["ocid"].astype("str"),
            "release": raw["release"].astype("str"),
            "position": (raw["position"].astype("int64") + after).astype("Int64"),
            "ocds_path": raw["ocds_path"].astype("str"),
            "_file": pd.Series(file, index=raw.index, dtype="str"),
            "_row": raw["ocds_row"].astype("int64"),
        }
    )


def _locate(issues: pd.DataFrame, raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Validation numbers the rows of each raw table 2, 3, ...: name the OCDS line and JSON path
    instead, in the issue and in a reference to a quarantined row. (Unreadable lines, which
    have no column, already carry their line.)"""

    def source(table: str, row) -> pd.Series | None:
        frame = raw.get(table)
        if frame is None or pd.isna(row) or not 2 <= int(row) < len(frame) + 2:
            return None
        return frame.iloc[int(row) - 2]

    def referenced(match: re.Match) -> str:
        hit = source(match.group(1), match.group(3))
        return (
            match.group(0)
            if hit is None
            else f"{match.group(1)} ({match.group(2)} row {hit['ocds_row']}, {hit['ocds_path']})"
        )

    issues = issues.copy()
    for i, issue in issues.iterrows():
        hit = source(issue["table"], issue["row"]) if isinstance(issue["column"], str) else None
        if hit is not None:
            issues.at[i, "row"] = int(hit["ocds_row"])
            issues.at[i, "reason"] = f"{hit['ocds_path']}: " + _QUARANTINED_REF.sub(referenced, issue["reason"])
    return issues


# --- one contracting process ----------------------------------------------------------------


def _process_rows(process: Process, rows: dict[str, list[dict]], seen_orgs: dict[str, dict]) -> None:
    release, base = process.release, process.path
    ocid = _text(release.get("ocid"))
    at = _located(process.row)
    party_ids = _parties(release, at, base, rows["organizations"], seen_orgs)

    def org(ref, where: str, role: str) -> str:
        org_id = _org_id(ref, party_ids)
        _referenced_org(ref, org_id, at(where), role, rows["organizations"], seen_orgs)
        return org_id

    tender = _obj(release.get("tender"))
    buyer = org(release.get("buyer"), _join(base, "buyer"), "buyer") if "buyer" in release else ""
    entity = (
        org(tender.get("procuringEntity"), _join(base, "tender.procuringEntity"), "procuringEntity")
        if "procuringEntity" in tender
        else ""
    )
    planning = _obj(release.get("planning"))
    budget = _obj(planning.get("budget"))
    rows["projects"].append(
        at(base or "release")
        | {
            "project_id": ocid,
            "name": _first_text(
                tender.get("title"), tender.get("description"), budget.get("project"), budget.get("description")
            ),
            "category": CATEGORIES.get(_text(tender.get("mainProcurementCategory")), ""),
            "tenderer_id": buyer or entity,
            "agency_id": entity if entity and entity != buyer else "",
            "budget": _amount(tender.get("value") if "value" in tender else budget.get("amount")),
            "currency": _text(_obj(tender.get("value") or budget.get("amount")).get("currency")),
            "procedure": PROCEDURES.get(_text(tender.get("procurementMethod")), ""),
            "procurement_method": _text(tender.get("procurementMethod")),
            "procurement_method_details": _text(tender.get("procurementMethodDetails")),
            "status": _text(tender.get("status")),
        }
    )

    lots = _lots(ocid, tender, at, base, rows["lots"])
    winners = _winners(release, ocid, lots, party_ids)
    for i, bid in enumerate(_list(_obj(release.get("bids")).get("details"))):
        where = _join(base, f"bids.details[{i}]")
        bid = _obj(bid)
        bidders = [org(t, f"{where}.tenderers[{j}]", "tenderer") for j, t in enumerate(_list(bid.get("tenderers")))]
        bidder = bidders[0] if bidders else ""
        status, related, bid_id = _text(bid.get("status")), _related(bid, ocid, lots), _key(ocid, bid.get("id"))
        for lot in related or [""]:
            rows["bids"].append(
                at(where)
                | {
                    # a bid for several lots becomes one row per lot
                    "bid_id": f"{bid_id}/{lot.rsplit('/', 1)[-1]}" if bid_id and len(related) > 1 else bid_id,
                    "lot_id": lot,
                    "org_id": bidder,
                    "price": _amount(bid.get("value")),
                    "currency": _text(_obj(bid.get("value")).get("currency")),
                    "submitted_at": _local_time(_text(bid.get("date"))),
                    "is_winner": _bool((lot, bidder) in winners) if bidder and lot else "",
                    "is_valid": "true" if status in VALID_BIDS else "false" if status in INVALID_BIDS else "",
                    "status": status,
                    "consortium": "|".join(bidders[1:]),
                }
            )
    _contracts(release, ocid, lots, at, base, rows, org)


def _parties(release: dict, at, base: str, out: list[dict], seen: dict[str, dict]) -> dict[str, str]:
    """Add the parties as organizations; returns party id → org_id for references."""
    ids = {}
    for i, party in enumerate(_list(release.get("parties"))):
        party = _obj(party)
        identifier = _obj(party.get("identifier"))
        org_id = _identifier_id(identifier) or _text(party.get("id"))
        if _text(party.get("id")):
            ids[_text(party["id"])] = org_id
        roles = [r for r in _list(party.get("roles")) if isinstance(r, str)]
        contact, address = _obj(party.get("contactPoint")), _obj(party.get("address"))
        row = at(_join(base, f"parties[{i}]")) | {
            "org_id": org_id,
            "name": _first_text(party.get("name"), identifier.get("legalName")),
            "uscc": _uscc(identifier, party),
            "kind": _kind(roles),
            "address": ", ".join(
                filter(
                    None,
                    (
                        _text(address.get(k))
                        for k in ("streetAddress", "locality", "region", "postalCode", "countryName")
                    ),
                )
            ),
            "phone": _text(contact.get("telephone")),
            "email": _text(contact.get("email")),
            "roles": "|".join(roles),
            "identifier_scheme": _text(identifier.get("scheme")),
            "identifier_id": _text(identifier.get("id")),
        }
        _add_org(row, roles, out, seen)
    return ids


def _org_id(ref, party_ids: dict[str, str]) -> str:
    """The org_id an organisation reference points to: its party's, else its own identifier's
    (``SCHEME-id``), else its ``id``."""
    ref = _obj(ref)
    pid = _text(ref.get("id"))
    return party_ids.get(pid) or _identifier_id(_obj(ref.get("identifier"))) or pid


def _referenced_org(ref, org_id: str, location: dict, role: str, out: list[dict], seen: dict[str, dict]) -> None:
    """Record an organisation met in a reference (with what the reference says about it), or
    add ``role`` to the one already known."""
    if org_id in seen and role in seen[org_id]["roles"].split("|"):
        return
    ref = _obj(ref)
    identifier = _obj(ref.get("identifier"))
    _add_org(
        location
        | {
            "org_id": org_id,
            "name": _first_text(ref.get("name"), identifier.get("legalName")),
            "uscc": _uscc(identifier, ref),
            "kind": _kind([role]),
            "roles": role,
            "identifier_scheme": _text(identifier.get("scheme")),
            "identifier_id": _text(identifier.get("id")),
        },
        [role],
        out,
        seen,
    )


def _add_org(row: dict, roles: list[str], out: list[dict], seen: dict[str, dict]) -> None:
    """One row per org_id: a later mention only adds its roles (and the kind follows the
    roles). Rows without an id are all kept, to be quarantined."""
    known = seen.get(row["org_id"]) if row["org_id"] else None
    if known is None:
        out.append(row)
        if row["org_id"]:
            seen[row["org_id"]] = row
        return
    merged = [r for r in known["roles"].split("|") if r] + [r for r in roles if r not in known["roles"].split("|")]
    known["roles"] = "|".join(merged)
    known["kind"] = _kind(merged)


def _lots(ocid: str, tender: dict, at, base: str, out: list[dict]) -> list[str]:
    period = _obj(tender.get("tenderPeriod"))
    common = {
        "project_id": ocid,
        "published_on": _local_time(_first_text(tender.get("datePublished"), period.get("startDate"))),
        "opened_on": _local_time(_text(period.get("endDate"))),
        "evaluation": EVALUATION.get(_text(tender.get("awardCriteria")), ""),
    }
    lots = _list(tender.get("lots"))
    if not lots:
        out.append(
            at(_join(base, "tender"))
            | common
            | {
                "lot_id": ocid,
                "name": _text(tender.get("title")),
                "ceiling_price": _amount(tender.get("value")),
                "currency": _text(_obj(tender.get("value")).get("currency")),
            }
        )
        return [ocid]
    ids = []
    for i, lot in enumerate(lots):
        lot = _obj(lot)
        ids.append(_key(ocid, lot.get("id")))
        out.append(
            at(_join(base, f"tender.lots[{i}]"))
            | common
            | {
                "lot_id": ids[-1],
                "name": _text(lot.get("title")),
                "ceiling_price": _amount(lot.get("value")),
                "currency": _text(_obj(lot.get("value")).get("currency")),
                "status": _text(lot.get("status")),
            }
        )
    return ids


def _related(item: dict, ocid: str, lots: list[str]) -> list[str]:
    """The lot ids an item (bid, award) relates to: ``relatedLots`` (strings or ``{lotId}``),
    ``relatedLot``, ``lotID``; the only lot of the process if none; [] if it cannot be told."""
    related = []
    for ref in _list(item.get("relatedLots")):
        lot = _text(ref.get("lotId") or ref.get("id")) if isinstance(ref, dict) else _text(ref)
        if lot:
            related.append(f"{ocid}/{lot}")
    for field in ("relatedLot", "lotID"):
        if _text(item.get(field)):
            related.append(f"{ocid}/{_text(item[field])}")
    if not related and len(lots) == 1:
        return list(lots)
    return list(dict.fromkeys(related))


def _winners(release: dict, ocid: str, lots: list[str], party_ids: dict[str, str]) -> set[tuple[str, str]]:
    """(lot_id, org_id) for every supplier of an active (or status-less) award; an award that
    names no lot covers every lot of the process."""
    won: set[tuple[str, str]] = set()
    for award in _list(release.get("awards")):
        award = _obj(award)
        if _text(award.get("status")) not in ("active", ""):
            continue
        for supplier in _list(award.get("suppliers")):
            won.update((lot, _org_id(supplier, party_ids)) for lot in (_related(award, ocid, lots) or lots))
    return won


def _contracts(release: dict, ocid: str, lots: list[str], at, base: str, rows: dict, org) -> None:
    awards = {_text(_obj(a).get("id")): _obj(a) for a in _list(release.get("awards"))}
    for i, contract in enumerate(_list(release.get("contracts"))):
        where = _join(base, f"contracts[{i}]")
        contract = _obj(contract)
        award = awards.get(_text(contract.get("awardID")), {})
        suppliers = _list(contract.get("suppliers")) or _list(award.get("suppliers"))
        contract_id = _key(ocid, contract.get("id"))
        rows["contracts"].append(
            at(where)
            | {
                "contract_id": contract_id,
                "lot_id": next(iter(_related(award, ocid, lots)), ""),
                "org_id": org(suppliers[0], where + ".suppliers[0]", "supplier") if suppliers else "",
                "amount": _amount(contract.get("value")),
                "currency": _text(_obj(contract.get("value")).get("currency")),
                "signed_on": _local_time(_text(contract.get("dateSigned"))),
                "status": _text(contract.get("status")),
                "award_id": _text(contract.get("awardID")),
            }
        )
        transactions = _list(_obj(contract.get("implementation")).get("transactions"))
        for j, tx in enumerate(transactions):
            tx = _obj(tx)
            value = tx.get("value") if "value" in tx else tx.get("amount")  # OCDS 1.0 called it amount
            tx_id = _text(tx.get("id"))
            rows["payments"].append(
                at(f"{where}.implementation.transactions[{j}]")
                | {
                    "payment_id": f"{contract_id}/{tx_id}" if contract_id and tx_id else "",
                    "contract_id": contract_id,
                    "amount": _amount(value),
                    "currency": _text(_obj(value).get("currency")),
                    "paid_on": _local_time(_text(tx.get("date"))),
                }
            )


# --- values ------------------------------------------------------------------------------------


def _located(row: int):
    return lambda path: {"ocds_row": str(row), "ocds_path": path}


def _join(base: str, path: str) -> str:
    return f"{base}.{path}" if base else path


def _obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _text(value) -> str:
    """A scalar as text (ids may be numbers in JSON; they are kept as strings)."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _first_text(*values) -> str:
    return next((t for t in map(_text, values) if t), "")


def _key(ocid: str, local) -> str:
    """An id unique across processes: ``ocid/local`` (empty if either is missing)."""
    local = _text(local)
    return f"{ocid}/{local}" if ocid and local else ""


def _amount(value) -> str:
    """``value.amount`` as text: numbers as JSON writes them; anything else as it came (so that
    validation reports it as malformed); missing as empty."""
    amount = _obj(value).get("amount")
    if amount is None:
        return ""
    if isinstance(amount, str):
        return amount
    return json.dumps(amount, ensure_ascii=False)


def _local_time(text: str) -> str:
    """An OCDS date-time for the bundle's date columns. A time with an offset is kept as written:
    validation converts it to China Standard Time (the bundle's clock). Midnight with an offset
    is how OCDS publishers write a date without a time (``2024-03-05T00:00:00Z``): it stays that
    date, since converting would invent an hour (08:00, or the day before from ``+09:00``) and
    make a contract dated on the opening day look signed before the opening."""
    return _DATE_AT_MIDNIGHT.sub(r"\1", text)


def _bool(flag: bool) -> str:
    return "true" if flag else "false"


def _identifier_id(identifier: dict) -> str:
    scheme, local = _text(identifier.get("scheme")), _text(identifier.get("id"))
    if not scheme or not local:
        return ""
    return local if local.startswith(f"{scheme}-") else f"{scheme}-{local}"


def _uscc(identifier: dict, holder: dict) -> str:
    candidates = [identifier] + [_obj(a) for a in _list(holder.get("additionalIdentifiers"))]
    for ident in candidates:
        local = _text(ident.get("id")).upper()
        if _text(ident.get("scheme")) == "CN-USCC" or _USCC.fullmatch(local):
            return local
    return ""


def _kind(roles: list[str]) -> str:
    if "buyer" in roles or "funder" in roles or "payer" in roles:
        return "government"
    if "procuringEntity" in roles:
        return "agency"
    if {"tenderer", "supplier", "payee"} & set(roles):
        return "enterprise"
    return ""
