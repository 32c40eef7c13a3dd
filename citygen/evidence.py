"""What the e-bidding platform records about each bid: when and from where it was uploaded
(IP, MAC, hardware id) and the document's hash, fingerprint (标书特征码) and author.

Honest firms upload from their own offices (their 1-2 IPs and 1-3 machines, reused across
their own bids); 4 % of bids use a public terminal of the city's trading centre (shared IP and
machines) and 5 % a mobile carrier's NAT address (shared IP, own machine): the decoys. Ring
traces override these on the members' bids of ring lots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bidgraph.citygen import identifiers as ident
from bidgraph.citygen.names import join
from bidgraph.citygen.world import World

__all__ = [
    "NAT_SHARE",
    "PUBLIC_SHARE",
    "Decoys",
    "documents_for",
    "make_decoys",
    "submission_times",
    "uploads_for",
]

PUBLIC_SHARE, NAT_SHARE = 0.04, 0.05
_TERMINALS = 4  # public terminals per trading centre
_NATS = 4  # carrier NAT addresses per city


@dataclass(frozen=True)
class Decoys:
    public_ip: np.ndarray  # per city: the trading centre's address
    terminal_mac: np.ndarray  # (city, terminal)
    terminal_hw: np.ndarray  # (city, terminal)
    nat_ip: np.ndarray  # (city, k): carrier NAT addresses


def make_decoys(rng, cities: int) -> Decoys:
    ips = ident.ipv4(rng, cities * (1 + _NATS), shared=True)
    n = cities * _TERMINALS
    hw = join(ident.hex_ids(rng, n, 8, upper=True), "-", ident.hex_ids(rng, n, 4, upper=True))
    return Decoys(
        ips[:cities],
        ident.macs(rng, n).reshape(cities, _TERMINALS),
        hw.reshape(cities, _TERMINALS),
        ips[cities:].reshape(cities, _NATS),
    )


def submission_times(rng, lots: pd.DataFrame, bids: pd.DataFrame) -> np.ndarray:
    """Bid submission times: office hours of the 1-6 days before the opening."""
    opened = lots["opened"].to_numpy()[bids["lot"].to_numpy()].astype("datetime64[s]")
    n = len(bids)
    days_before = rng.integers(0, 6, n) + 1
    secs = (8 * 3600 + rng.integers(0, 9 * 3600, n)).astype("timedelta64[s]")
    return opened - days_before.astype("timedelta64[D]") + secs


def uploads_for(
    rng, world: World, lots: pd.DataFrame, bids: pd.DataFrame, submitted, decoys: Decoys, rings: list
) -> pd.DataFrame:
    """One upload row per bid: ip, mac, hardware_id, uploaded_at."""
    n = len(bids)
    org = bids["org"].to_numpy()
    city = lots["city"].to_numpy()[bids["lot"].to_numpy()]
    ip = world.office_ip[world.office_ips.pick(org, rng.random(n))].astype(object)
    dev = world.devices.pick(org, rng.random(n))
    mac, hw = world.device_mac[dev].astype(object), world.device_hw[dev].astype(object)
    u = rng.random(n)
    public = u < PUBLIC_SHARE
    nat = (u >= PUBLIC_SHARE) & (u < PUBLIC_SHARE + NAT_SHARE)
    term = rng.integers(0, _TERMINALS, n)
    ip[public] = decoys.public_ip[city[public]]
    mac[public] = decoys.terminal_mac[city[public], term[public]]
    hw[public] = decoys.terminal_hw[city[public], term[public]]
    ip[nat] = decoys.nat_ip[city[nat], rng.integers(0, _NATS, int(nat.sum()))]
    for ring in rings:
        shared = [t for t in ring["traces"] if t in ("ip", "mac", "hardware_id")]
        if not shared:
            continue
        rows = _ring_rows(bids, ring)
        # Most ring lots show the trace: the organiser's office uploads for the members.
        rows = rows[np.isin(bids["lot"].to_numpy()[rows], ring["lots"][rng.random(len(ring["lots"])) < 0.85])]
        o = ring["organiser"]
        org_dev = world.devices.of(o)[0]
        if "ip" in shared:
            ip[rows] = world.office_ip[world.office_ips.of(o)[0]]
            ring.setdefault("trace_values", {})["ip"] = [world.office_ip[world.office_ips.of(o)[0]]]
        if "mac" in shared:
            mac[rows] = world.device_mac[org_dev]
            ring.setdefault("trace_values", {})["mac"] = [world.device_mac[org_dev]]
        if "hardware_id" in shared:
            hw[rows] = world.device_hw[org_dev]
            ring.setdefault("trace_values", {})["hardware_id"] = [world.device_hw[org_dev]]
    at = submitted - rng.integers(30, 1800, n).astype("timedelta64[s]")
    return pd.DataFrame({"ip": ip, "mac": mac, "hardware_id": hw, "uploaded_at": at})


def _ring_rows(bids: pd.DataFrame, ring: dict) -> np.ndarray:
    return np.flatnonzero(
        np.isin(bids["lot"].to_numpy(), ring["lots"]) & np.isin(bids["org"].to_numpy(), ring["members"])
    )


def documents_for(rng, world: World, bids: pd.DataFrame, submitted, rings: list) -> pd.DataFrame:
    """One document row per bid: file_sha256, fingerprint, author, created_at."""
    n = len(bids)
    org = bids["org"].to_numpy()
    sha = ident.hex_ids(rng, n, 32).astype(object)
    fp = ident.hex_ids(rng, n, 16, upper=True).astype(object)
    agent = world.index["bid_agent"].pick(org, rng.random(n))
    names = world.persons["name"].to_numpy()
    author = names[agent].astype(object)
    for ring in rings:
        if "document" not in ring["traces"]:
            continue
        rows = _ring_rows(bids, ring)
        # One fingerprint per ring lot for all members' bids; on a third of the lots the very
        # same file too (one technical proposal copied); the organiser's bid agent as author.
        which = np.searchsorted(np.sort(ring["lots"]), bids["lot"].to_numpy()[rows])
        fp[rows] = ident.hex_ids(rng, len(ring["lots"]), 16, upper=True)[which]
        copied = (rng.random(len(ring["lots"])) < 0.35)[which]
        sha[rows[copied]] = ident.hex_ids(rng, len(ring["lots"]), 32)[which[copied]]
        writer = names[world.index["bid_agent"].pick(np.array([ring["organiser"]]), np.array([0.0]))[0]]
        author[rows] = writer
        values = ring.setdefault("trace_values", {})
        values["fingerprint"] = sorted(set(fp[rows]))
        values["file_sha256"] = sorted(set(sha[rows[copied]]))
        values["author"] = [writer]
    created = submitted - rng.integers(3600, 8 * 86400, n).astype("timedelta64[s]")
    return pd.DataFrame({"file_sha256": sha, "fingerprint": fp, "author": author, "created_at": created})
