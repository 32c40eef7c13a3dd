"""Evidence graphs that show a ring's scheme: its members, the lots where they met in the
order they were opened, who won each lot and who covered (bid and lost), and the same as a
rotation table.

A ring finding stores its rotation (``evidence.rotation``: per lot its opening date, winner and
the members bidding; see :mod:`bidgraph.detectors.bid_ring`); this module only draws it. The
lots stand in a row left to right by date, the members in a row below, an outsider who won a
lot above it, so that the rotation reads as a sequence of wins passing from member to member.
Positions are fixed (Cytoscape's ``preset`` layout): the same finding always looks the same.
"""

from __future__ import annotations

from dash import html

from bidgraph.workbench.i18n import t

__all__ = ["has_rotation", "ring_elements", "rotation_table", "PRESET"]

LOT_GAP, ROW_GAP = 90, 240
PRESET = {"name": "preset", "fit": True, "padding": 30, "animate": False}
CAPTION_MAX = 14


def has_rotation(finding: dict) -> bool:
    return bool((finding.get("evidence") or {}).get("rotation"))


def _short(text: str) -> str:
    return text if len(text) <= CAPTION_MAX else text[: CAPTION_MAX - 1] + "…"


def _node(uid: str, label: str, caption: str, kind: str, x: float, y: float, classes: str) -> dict:
    return {
        "data": {"id": uid, "label": _short(label), "caption": caption, "type": kind},
        "position": {"x": x, "y": y},
        "classes": classes,
    }


def _edge(source: str, target: str, kind: str, label: str) -> dict:
    return {
        "data": {"id": f"{source}|{kind}|{target}", "source": source, "target": target, "type": kind, "label": label},
        "classes": kind,
    }


def _org(key: str) -> str:
    return f"Organization:{key}"


def _members(finding: dict) -> list[str]:
    ev = finding.get("evidence") or {}
    listed = [str(m) for m in ev.get("members") or []]
    return listed or [str(e["id"]) for e in finding.get("entities", []) if e.get("role") == "member"]


def ring_elements(finding: dict, captions: dict[str, str], lang: str) -> list[dict]:
    """Cytoscape elements (with positions) of a ring finding's rotation. ``captions`` names
    nodes by uid (``Organization:ORG1``); a node without one shows its key."""
    rotation = finding["evidence"]["rotation"]
    members = _members(finding)
    span = max(len(rotation) - 1, 1) * LOT_GAP
    member_gap = span / max(len(members) - 1, 1)

    def name_of(key: str) -> str:
        return captions.get(_org(key), key)

    elements = [
        _node(_org(m), name_of(m), name_of(m), "Organization", i * member_gap, ROW_GAP, "Organization member")
        for i, m in enumerate(members)
    ]
    outsiders: dict[str, list[float]] = {}
    for i, lot in enumerate(rotation):
        lot_uid, x = f"Lot:{lot['lot_id']}", i * LOT_GAP
        label = lot.get("opened_on") or lot["lot_id"]
        elements.append(_node(lot_uid, label, f"{lot['lot_id']} {label}", "Lot", x, 0, "Lot context"))
        winner = lot.get("winner")
        for m in lot.get("members_bidding") or []:
            if m in members and m != winner:
                elements.append(_edge(_org(m), lot_uid, "cover", t("sg.cover", lang)))
        if winner and winner in members:
            elements.append(_edge(_org(winner), lot_uid, "won", t("sg.won", lang)))
        elif winner:
            outsiders.setdefault(winner, []).append(x)
            elements.append(_edge(_org(winner), lot_uid, "won", t("sg.won", lang)))
    for key, xs in outsiders.items():
        elements.append(
            _node(
                _org(key),
                name_of(key),
                name_of(key),
                "Organization",
                sum(xs) / len(xs),
                -ROW_GAP / 2,
                "Organization outsider",
            )
        )
    return elements


def rotation_table(finding: dict, captions: dict[str, str], lang: str) -> html.Table:
    """One row per lot (by opening date): for each member 中标 (won), 陪标 (bid and lost) or
    nothing, and the winner when an outsider won."""
    members = _members(finding)

    def name_of(key: str) -> str:
        return captions.get(_org(key), key)

    head = [t("sg.date", lang), t("sg.lot", lang), *(_short(name_of(m)) for m in members), t("sg.outsider", lang)]
    rows = []
    for lot in finding["evidence"]["rotation"]:
        winner, bidding = lot.get("winner"), set(lot.get("members_bidding") or [])
        cells = [t("sg.won", lang) if m == winner else t("sg.cover", lang) if m in bidding else "—" for m in members]
        outsider = name_of(winner) if winner and winner not in members else ""
        rows.append(html.Tr([html.Td(v) for v in (lot.get("opened_on") or "—", lot["lot_id"], *cells, outsider)]))
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="rotation",
        id="table-rotation",
    )
