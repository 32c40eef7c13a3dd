"""What Cardinal's indicators share: strict JSON access, the process gates, quantiles and fences.

Cardinal (open-contracting/cardinal-rs, MIT) counts a field only if it has the expected JSON
type: ids, statuses, dates and currencies must be strings, amounts JSON numbers, lists lists.
The helpers here return ``None`` (or an empty list) for anything else, so each indicator reads
like its rule. ``State`` is what one run accumulates: results, the flags behind them (value
measured and fence crossed), ``Meta`` and ``Maps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from bidgraph.detectors.cardinal.settings import Settings

__all__ = [
    "GROUPS",
    "MAP_NAMES",
    "Flag",
    "State",
    "Indicator",
    "get_obj",
    "get_str",
    "get_list",
    "get_amount",
    "org_id",
    "pipe_set",
    "tenderer_ids",
    "TenderMethodIndicator",
    "submitted_bids",
    "priced_submitted_bids",
    "is_awarded",
    "complete_awards_and_bids",
    "single_supplier",
    "valid_priced_bids",
    "PriceComparisonIndicator",
    "single_award",
    "quantile",
    "low_outlier_fence",
    "high_outlier_fence",
    "lower_fence",
    "upper_fence",
    "round_meta",
]

GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer")
MAP_NAMES = (
    "ocid_buyer_r038",
    "ocid_procuringentity_r038",
    "ocid_tenderer",
    "ocid_tenderer_r024",
    "ocid_tenderer_r028",
    "ocid_tenderer_r030",
    "ocid_tenderer_r035",
    "ocid_tenderer_r058",
)


@dataclass(frozen=True)
class Flag:
    """One result, explained: ``value`` is Cardinal's output; ``measured`` the number compared
    with ``fence`` by ``op`` (``fence`` is None for rules without a fence); ``ocid`` the
    contracting process behind a per-process flag (None for pooled organisation ratios)."""

    group: str
    id: str
    code: str
    value: float
    measured: float | None = None
    fence: float | None = None
    op: str = ""
    ocid: str | None = None


@dataclass
class State:
    """Everything one run accumulates, shared by the indicators (Cardinal's ``Indicators``)."""

    map: bool = False
    default_currency: str | None = None
    currency: str | None = None  # the main currency: R024, R058 and R036 share this slot
    results: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    meta: dict[str, dict[str, float]] = field(default_factory=dict)
    maps: dict[str, dict] = field(default_factory=lambda: {name: {} for name in MAP_NAMES})
    ratios: dict[str, float] = field(default_factory=dict)  # second-lowest-bid ratio per ocid
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)  # (winner, lowest non-winner)

    def flag(self, flag: Flag) -> None:
        """Record ``flag`` in the results (same group, id and code: the last value wins)."""
        self.results.setdefault(flag.group, {}).setdefault(flag.id, {})[flag.code] = flag.value
        self.flags.append(flag)

    def set_meta(self, code: str, key: str, value: float) -> None:
        self.meta.setdefault(code, {})[key] = value

    def map_tenderer(self, name: str, ocid: str, org: str) -> None:
        if self.map:
            self.maps[name].setdefault(ocid, set()).add(org)

    def is_main_currency(self, currency: str) -> bool:
        """Cardinal's main-currency rule: the configured currency, else the first one seen."""
        if self.currency is None:
            self.currency = self.default_currency or currency
        return currency == self.currency


class Indicator:
    """One Cardinal indicator: ``fold`` sees each accepted process, ``finalize`` runs once.

    ``defaults`` are the options it reads from its settings section, each with the value it
    takes when the section leaves it out; they are read into ``self.option``, then ``start``
    runs.
    """

    code = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, settings: Settings | None = None) -> None:
        section = settings.options(self.code) if settings is not None else {}
        self.option = {name: section.get(name, default) for name, default in self.defaults.items()}
        self.start()

    def start(self) -> None:
        """Prepare what ``fold`` pools and what the options give (default: nothing)."""

    def fold(self, state: State, release: dict, ocid: str) -> None:
        """Look at one contracting process (default: nothing)."""

    def finalize(self, state: State) -> None:
        """Flag from what was pooled over the file (default: nothing)."""


# --- strict JSON access -------------------------------------------------------------------


def get_obj(obj, key: str) -> dict | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else None


def get_str(obj, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def get_list(obj, key: str) -> list | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else None


def get_amount(value_obj) -> float | None:
    """``amount`` as a float if it is a finite JSON number (not a boolean, not a string)."""
    amount = value_obj.get("amount") if isinstance(value_obj, dict) else None
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        return None
    try:
        amount = float(amount)
    except OverflowError:
        return None
    return amount if math.isfinite(amount) else None


def org_id(reference) -> str | None:
    """The string ``id`` of an organisation reference (others are ignored)."""
    return get_str(reference, "id")


def pipe_set(value: str | None) -> set[str]:
    """A pipe-separated list: no trimming, a trailing empty piece dropped, ``""`` is empty."""
    if not value:
        return set()
    pieces = value.split("|")
    if pieces[-1] == "":
        pieces.pop()
    return set(pieces)


def tenderer_ids(bid) -> list[str]:
    """The string ids of a bid's ``tenderers``, in order (none if it has no list)."""
    return [tenderer["id"] for tenderer in get_list(bid, "tenderers") or [] if get_str(tenderer, "id") is not None]


# --- process-level definitions ------------------------------------------------------------


def _bids(release: dict) -> list | None:
    return get_list(get_obj(release, "bids"), "details")


def submitted_bids(release: dict) -> list[dict]:
    """Bids whose status is a string other than ``invited`` and ``withdrawn``."""
    return [
        bid
        for bid in _bids(release) or []
        if get_str(bid, "status") is not None and bid["status"] not in ("invited", "withdrawn")
    ]


def priced_submitted_bids(release: dict) -> list[tuple[dict, float, str]]:
    """(bid, amount, currency) of the submitted bids whose value has an amount and a currency."""
    out = []
    for bid in submitted_bids(release):
        value = get_obj(bid, "value")
        amount, currency = get_amount(value), get_str(value, "currency")
        if amount is not None and currency is not None:
            out.append((bid, amount, currency))
    return out


def is_awarded(release: dict) -> bool:
    """Whether the process has an ``active`` award."""
    return any(get_str(award, "status") == "active" for award in get_list(release, "awards") or [])


def complete_awards_and_bids(release: dict) -> tuple[list[dict], list] | None:
    """The final-awards gate: (active awards, bids) or None if an award is not final.

    Needs ``awards`` and ``bids.details`` to be lists; ``cancelled``/``unsuccessful`` awards are
    ignored, any other string status but ``active`` rejects the process, no status is ignored.
    """
    awards, details = get_list(release, "awards"), _bids(release)
    if awards is None or details is None:
        return None
    complete = []
    for award in awards:
        status = get_str(award, "status")
        if status == "active":
            complete.append(award)
        elif status is not None and status not in ("cancelled", "unsuccessful"):
            return None
    return complete, details


def single_supplier(award: dict) -> str | None:
    """The supplier id of an award with exactly one supplier, which has a string id."""
    suppliers = get_list(award, "suppliers")
    return org_id(suppliers[0]) if suppliers is not None and len(suppliers) == 1 else None


def valid_priced_bids(details: list) -> list[tuple[str, float, str]]:
    """(tenderer, amount, currency) of ``valid`` bids with one tenderer and a priced value."""
    out = []
    for bid in details:
        value = get_obj(bid, "value")
        amount, currency = get_amount(value), get_str(value, "currency")
        tenderers = get_list(bid, "tenderers")
        if (
            get_str(bid, "status") == "valid"
            and amount is not None
            and currency is not None
            and tenderers is not None
            and len(tenderers) == 1
            and org_id(tenderers[0]) is not None
        ):
            out.append((tenderers[0]["id"], amount, currency))
    return out


def single_award(release: dict) -> tuple[str, list] | None:
    """For a process whose awards are final with exactly one complete award to one supplier:
    (that supplier, the submitted bids); otherwise None."""
    gate = complete_awards_and_bids(release)
    if gate is None or len(gate[0]) != 1:
        return None
    supplier = single_supplier(gate[0][0])
    return None if supplier is None else (supplier, gate[1])


class PriceComparisonIndicator(Indicator):
    """An indicator that only looks at processes whose method allows comparing prices."""

    def __init__(self, settings):
        super().__init__(settings)
        self.include = pipe_set(settings.top.get("price_comparison_procurement_methods"))
        self.exclude = pipe_set(settings.top.get("no_price_comparison_procurement_methods"))

    def compares_prices(self, release: dict) -> bool:
        """Whether the process's ``procurementMethodDetails`` allows comparing prices.

        With a non-empty allow list, only listed methods pass (a missing one does not);
        otherwise listed "no price comparison" methods are excluded (a missing one passes).
        """
        details = get_str(get_obj(release, "tender"), "procurementMethodDetails")
        if self.include:
            return details is not None and details in self.include
        return details is None or details not in self.exclude

    def fold(self, state: State, release: dict, ocid: str) -> None:
        if self.compares_prices(release):
            self.fold_compared(state, release, ocid)

    def fold_compared(self, state: State, release: dict, ocid: str) -> None:
        """Look at one contracting process whose method allows comparing prices."""


class TenderMethodIndicator(Indicator):
    """An indicator that only looks at tenders whose ``procurementMethod`` is one of its
    ``procurement_methods`` option (``|``-separated; any method when empty)."""

    def start(self) -> None:
        self.methods = pipe_set(self.option["procurement_methods"])

    def fold(self, state: State, release: dict, ocid: str) -> None:
        tender = get_obj(release, "tender")
        if tender is not None and (not self.methods or get_str(tender, "procurementMethod") in self.methods):
            self.fold_tender(state, tender, ocid)

    def fold_tender(self, state: State, tender: dict, ocid: str) -> None:
        """Look at the tender of one process whose method is among the chosen ones."""


# --- statistics ---------------------------------------------------------------------------


def quantile(values, tau: float) -> float:
    """Hyndman-Fan type 8 (median-unbiased) quantile, exactly as statrs 0.16 computes it."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return math.nan
    h = (n + 1.0 / 3.0) * tau + 1.0 / 3.0
    hf = int(h)
    if hf <= 0 or tau == 0.0:
        return xs[0]
    if hf >= n or tau == 1.0:
        return xs[-1]
    return xs[hf - 1] + (h - hf) * (xs[hf] - xs[hf - 1])


def _fma(x: float, y: float, z: float) -> float:
    """x*y + z with one rounding, like Rust's ``mul_add`` (math.fma arrives in Python 3.13)."""
    if not all(math.isfinite(v) for v in (x, y, z)):
        return x * y + z
    return float(Fraction(x) * Fraction(y) + Fraction(z))


def lower_fence(q1: float, q3: float) -> float:
    """Tukey's lower fence, Q1 - 1.5 IQR."""
    return _fma(q3 - q1, -1.5, q1)


def upper_fence(q1: float, q3: float) -> float:
    """Tukey's upper fence, Q3 + 1.5 IQR."""
    return _fma(q3 - q1, 1.5, q3)


def _quartiles(state: State, code: str, values, prefix: str) -> tuple[float, float]:
    """Q1 and Q3 of ``values``, recorded in the meta as ``{prefix}q1`` and ``{prefix}q3``."""
    values = list(values)
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    state.set_meta(code, f"{prefix}q1", q1)
    state.set_meta(code, f"{prefix}q3", q3)
    return q1, q3


def low_outlier_fence(state: State, code: str, values, threshold: float | None) -> tuple[float, float]:
    """The fence of a "low outlier" indicator, recorded in the meta: Tukey's lower fence over
    ``values``, or the fixed ``threshold`` when one is set (then Q1 counts as 1). Returns
    ``(q1, fence)``."""
    if threshold is None:
        q1, q3 = _quartiles(state, code, values, "")
        fence = lower_fence(q1, q3)
    else:
        q1, fence = 1.0, threshold
    state.set_meta(code, "lower_fence", fence)
    return q1, fence


def high_outlier_fence(state: State, code: str, values, threshold: float | None, prefix: str = "") -> float:
    """The fence of a "high outlier" indicator, recorded in the meta (keys after ``prefix``, e.g.
    R038's group): Tukey's upper fence over ``values``, or the fixed ``threshold`` when one is set."""
    fence = upper_fence(*_quartiles(state, code, values, prefix)) if threshold is None else threshold
    state.set_meta(code, f"{prefix}upper_fence", fence)
    return fence


def round_meta(value: float) -> float | None:
    """Meta values: rounded half away from zero to 4 decimals; NaN (and infinities) → None."""
    if not math.isfinite(value):
        return None
    rounded = Decimal(value * 10_000.0).to_integral_value(rounding=ROUND_HALF_UP)
    return float(rounded) / 10_000.0
