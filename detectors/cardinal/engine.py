"""Run Cardinal's indicators over OCDS compiled releases and produce Cardinal's output.

An indicator runs only if its section is in the settings (no settings: nothing runs). Every
line must pass the global gates: a JSON object with a string ``ocid``, a tender that is not
``cancelled``, and a ``procurementMethodDetails`` not in ``[exclusions]``. Invalid JSON lines
are skipped with a warning, blank lines silently, as Cardinal does.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bidgraph.detectors.cardinal.common import (
    GROUPS,
    Flag,
    Indicator,
    State,
    get_obj,
    get_str,
    pipe_set,
    round_meta,
    submitted_bids,
    tenderer_ids,
)
from bidgraph.detectors.cardinal.r003 import R003
from bidgraph.detectors.cardinal.r018 import R018
from bidgraph.detectors.cardinal.r024 import R024
from bidgraph.detectors.cardinal.r025 import R025
from bidgraph.detectors.cardinal.r028 import R028
from bidgraph.detectors.cardinal.r030 import R030
from bidgraph.detectors.cardinal.r035 import R035
from bidgraph.detectors.cardinal.r036 import R036
from bidgraph.detectors.cardinal.r038 import R038
from bidgraph.detectors.cardinal.r048 import R048
from bidgraph.detectors.cardinal.r058 import R058
from bidgraph.detectors.cardinal.second_lowest import SecondLowestBidRatio
from bidgraph.detectors.cardinal.settings import Settings, read_settings
from bidgraph.errors import InputError

__all__ = ["INDICATORS", "IndicatorRun", "flag_releases", "run_indicators", "read_releases", "to_cardinal_json"]

log = logging.getLogger(__name__)

INDICATORS: tuple[type[Indicator], ...] = (R003, R018, R024, R025, R028, R030, R035, R036, R038, R048, R058)


@dataclass
class IndicatorRun:
    """One run of the indicators: Cardinal's ``results``, ``meta`` (raw floats) and ``maps``,
    plus every flag with the value it measured and the fence it crossed."""

    results: dict
    meta: dict
    maps: dict
    flags: list[Flag]


class _Tenderers(Indicator):
    """For ``--map``: the tenderers of each process's submitted bids (``ocid_tenderer``)."""

    def fold(self, state: State, release: dict, ocid: str) -> None:
        for bid in submitted_bids(release):
            for tenderer in tenderer_ids(bid):
                state.map_tenderer("ocid_tenderer", ocid, tenderer)


def flag_releases(releases: Iterable, settings: Settings, map_: bool = False) -> IndicatorRun:
    """Run the enabled indicators over ``releases`` (parsed JSON values, one per process, in the
    order given: the main currency, unless set, is the first one seen)."""
    state = State(map=map_, default_currency=settings.top.get("currency"))
    enabled = [cls for cls in INDICATORS if settings.section(cls.code) is not None]
    codes = {cls.code for cls in enabled}
    if (
        "price_comparison_procurement_methods" in settings.top
        and "no_price_comparison_procurement_methods" in settings.top
    ):
        log.warning(
            "no_price_comparison_procurement_methods has no effect if price_comparison_procurement_methods is set"
        )
    steps: list[Indicator] = []
    if map_ and codes & {"R025", "R038", "R048"}:
        steps.append(_Tenderers())
    if codes & {"R024", "R058"}:
        steps.append(SecondLowestBidRatio(settings))
    steps.extend(cls(settings) for cls in enabled)
    excluded = pipe_set(settings.options("exclusions").get("procurement_method_details"))
    for release in releases:
        if _accepted(release, excluded):
            for step in steps:
                step.fold(state, release, release["ocid"])
    for step in steps:
        step.finalize(state)
    maps = {
        name: {ocid: (sorted(v) if isinstance(v, set) else v) for ocid, v in m.items()}
        for name, m in state.maps.items()
    }
    return IndicatorRun(state.results, state.meta, maps, state.flags)


def _accepted(release, excluded: set[str]) -> bool:
    if not isinstance(release, dict) or get_str(release, "ocid") is None:
        return False
    tender = get_obj(release, "tender")
    if get_str(tender, "status") == "cancelled":
        return False
    details = get_str(tender, "procurementMethodDetails")
    return details is None or details not in excluded


def read_releases(path: str | Path) -> Iterator:
    """The JSON values of a JSON Lines file, as Cardinal reads it.

    A line that is not valid UTF-8 JSON is skipped with a logged warning; blank lines are
    skipped silently. A missing or unreadable file is an ``InputError``.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip(b" \t\n\r\f\v"):
                continue
            try:
                yield json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
            except (UnicodeDecodeError, ValueError) as exc:
                log.warning("%s, line %d: invalid JSON, skipped (%s)", path, number, exc)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def run_indicators(
    path: str | Path, settings_path: str | Path | None = None, no_meta: bool = False, map_: bool = False
) -> dict:
    """Cardinal's ``indicators`` command: the results object for a JSON Lines file.

    Parameters
    ----------
    path : JSON Lines file, one OCDS compiled release per line.
    settings_path : Cardinal INI settings; without one no indicator is enabled.
    no_meta : leave out the ``Meta`` key (quartiles and fences, rounded to 4 decimals).
    map_ : add the ``Maps`` key (contracting processes to organisations).

    Returns
    -------
    dict
        ``{"OCID"|"Buyer"|"ProcuringEntity"|"Tenderer": {id: {code: value}}, "Meta": ..., "Maps": ...}``

    Examples
    --------
    >>> run_indicators("R018.jsonl", "settings.ini", no_meta=True)  # doctest: +SKIP
    {'OCID': {'open': {'R018': 1.0}, 'selective': {'R018': 1.0}}}
    """
    settings = read_settings(settings_path) if settings_path is not None else Settings()
    return to_cardinal_json(flag_releases(read_releases(path), settings, map_), no_meta, map_)


def to_cardinal_json(run: IndicatorRun, no_meta: bool = False, map_: bool = False) -> dict:
    """Cardinal's output object: groups in a fixed order; NaN/infinite results become null."""
    out: dict = {
        group: {org: {code: _finite(v) for code, v in codes.items()} for org, codes in run.results[group].items()}
        for group in GROUPS
        if run.results.get(group)
    }
    if not no_meta:
        out["Meta"] = {code: {key: round_meta(v) for key, v in values.items()} for code, values in run.meta.items()}
    if map_:
        out["Maps"] = run.maps
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
