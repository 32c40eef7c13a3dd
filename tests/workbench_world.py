"""The workbench tests' world: conftest's tiny tables loaded into an embedded store, with
hand-written findings in the findings-file format (design/bundle.md) and the smoke index the
detector computes from them, as ``bidgraph detect`` stores it."""

from __future__ import annotations

from conftest import as_bundle

from bidgraph.cases.scoped_store import RegionViews
from bidgraph.detectors import smoke_index
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.data import WorkbenchData


def _finding(fid, detector, score, severity, entities, summary, nodes, edges, measured, thresholds, rule, explanation):
    return {
        "id": fid,
        "detector": detector,
        "score": score,
        "severity": severity,
        "entities": [{"type": t, "id": i, "role": r} for t, i, r in entities],
        "summary": summary,
        "evidence": {
            "rule": rule,
            "explanation": explanation,
            "measured": measured,
            "thresholds": thresholds,
            "nodes": nodes,
            "edges": edges,
        },
    }


FINDINGS = [
    _finding(
        "F-000001",
        "shared_device",
        0.91,
        "high",
        [
            ("company", "A", "member"),
            ("company", "B", "member"),
            ("lot", "L1", "context"),
            ("ip", "10.0.0.7", "context"),
        ],
        "2 bidders on lot L1 uploaded from the same IP 10.0.0.7",
        ["Organization:A", "Bid:B1", "IP:10.0.0.7", "Bid:B2", "Organization:B", "Lot:L1"],
        [
            ["Organization:A", "SUBMITTED", "Bid:B1"],
            ["Bid:B1", "UPLOADED_FROM", "IP:10.0.0.7"],
            ["Organization:B", "SUBMITTED", "Bid:B2"],
            ["Bid:B2", "UPLOADED_FROM", "IP:10.0.0.7"],
        ],
        {"bidders_sharing": 2, "lots_shared": 1},
        {"min_bidders": 2},
        {
            "zh": "同一标段的不同投标人从同一IP地址上传投标文件。",
            "en": "Different bidders on one lot uploaded from the same IP.",
        },
        {
            "zh": "甲建设工程有限公司与乙建筑有限公司在标段 L1 均从 10.0.0.7 上传（2 家，阈值 2）。",
            "en": "A and B both uploaded their L1 bids from 10.0.0.7 (2 bidders, threshold 2).",
        },
    ),
    _finding(
        "F-000002",
        "shared_personnel",
        0.72,
        "medium",
        [("company", "A", "member"), ("company", "B", "member"), ("person", "P1", "context")],
        "A and B share person P1 (legal representative / shareholder)",
        ["Organization:A", "Person:P1", "Organization:B"],
        [["Person:P1", "HOLDS_ROLE", "Organization:A"], ["Person:P1", "HOLDS_ROLE", "Organization:B"]],
        {"shared_persons": 1},
        {"min_shared": 1},
        {"zh": "同一人在两家投标人任职或持股。", "en": "One person holds roles in two bidders."},
        {
            "zh": "张伟是甲公司法定代表人、乙公司股东。",
            "en": "Zhang Wei is A's legal representative and B's shareholder.",
        },
    ),
    _finding(
        "F-000003",
        "frequent_winner",
        0.35,
        "low",
        [("company", "B", "winner"), ("lot", "L2", "context")],
        "B won lot L2",
        ["Organization:B", "Lot:L2"],
        [["Organization:B", "WON", "Lot:L2"]],
        {"wins": 1},
        {"min_wins": 1},
        {"zh": "单位中标次数异常多。", "en": "An organization wins unusually often."},
        {"zh": "乙建筑有限公司中标 1 次。", "en": "B won once."},
    ),
]


# Fixed here rather than read from settings.toml, so the world's numbers do not move with tuning; noisy-OR
# (calibrated weights) so that min_index 40 ranks both ring members and no lot:
# B 100 x (1 - (1 - 0.3 x 0.91)(1 - 0.3 x 0.72)(1 - 0.2 x 0.35)) = 47.0, A 43.0, lots L1 27.3 and L2 7.
SMOKE_PARAMS = {
    "combine": "noisy_or",
    "weights": {"shared_device": 0.3, "shared_personnel": 0.3, "frequent_winner": 0.2},
    "subsumed": {},
    "min_index": 40,
}


def with_smoke_index(findings: list[dict], snapshot) -> list[dict]:
    """``findings`` followed by the smoke_index findings over them, numbered on as the batch runner does."""
    ranked = sorted(smoke_index.detect(snapshot, SMOKE_PARAMS, 0, findings=findings), key=lambda f: -f.score)
    out = list(findings)
    for f in ranked:
        f.id = f"F-{len(out) + 1:06d}"
        out.append(f.to_json())
    return out


def tiny_store(path, tables, findings=FINDINGS) -> EmbeddedStore:
    """The tiny world loaded, with ``findings`` and their smoke index stored (F-000004 B, F-000005 A)."""
    store = EmbeddedStore(path)
    store.load(as_bundle(tables))
    store.save_findings(with_smoke_index(findings, store.snapshot()))
    return store


def open_view(store) -> WorkbenchData:
    """What ``create_app`` gives the callbacks without login: the whole graph through a scoped store."""
    return WorkbenchData(RegionViews(store).store(None))


def hub_tables(bidders: int = 330) -> dict:
    """A world with hubs: ``bidders`` firms bid on 11 lots of one project, all uploading from
    one public IP (an internet café), so the IP has one bid per firm behind it."""
    import pandas as pd

    def frame(rows):
        df = pd.DataFrame(rows)
        df["_file"], df["_row"] = "hub.csv", range(2, len(df) + 2)
        return df

    firms = [
        {"org_id": f"F{i:03d}", "name": f"第{i}号建设工程有限公司", "kind": "enterprise", "region_code": "330102"}
        for i in range(bidders)
    ]
    orgs = frame([{"org_id": "T1", "name": "某市住建局", "kind": "government", "region_code": "330102"}] + firms)
    lots = [f"L{k:02d}" for k in range(11)]
    bids = frame(
        [
            {
                "bid_id": f"B{i:03d}",
                "lot_id": lots[i % 11],
                "org_id": f"F{i:03d}",
                "price": 1e6 + i,
                "is_winner": i < 11,
                "is_valid": True,
            }
            for i in range(bidders)
        ]
    )
    bids["is_winner"] = bids["is_winner"].astype("boolean")
    bids["is_valid"] = bids["is_valid"].astype("boolean")
    return {
        "organizations": orgs,
        "persons": frame([{"person_id": "P0", "name": "王芳"}]),
        "person_roles": frame([{"person_id": "P0", "org_id": "F000", "role": "legal_rep"}]),
        "projects": frame(
            [
                {
                    "project_id": "PR1",
                    "name": "道路改造",
                    "category": "construction",
                    "region_code": "330102",
                    "tenderer_id": "T1",
                }
            ]
        ),
        "lots": frame([{"lot_id": l, "project_id": "PR1", "name": f"{l}标段"} for l in lots]),
        "bids": bids,
        "bid_uploads": frame([{"bid_id": f"B{i:03d}", "ip": "61.1.1.1"} for i in range(bidders)]),
    }


def detected_city(root, seed: int = 3) -> EmbeddedStore:
    """A small generated city under ``root``, loaded, with the whole detector batch stored."""
    from bidgraph.citygen import generate_city
    from bidgraph.detectors.core.runner import run_batch
    from bidgraph.detectors.core.settings import load_settings
    from bidgraph.loaders.bundle import read_bundle

    generate_city(root / "city", scale="small", seed=seed)
    store = EmbeddedStore(root / "ws")
    store.load(read_bundle(root / "city"))
    findings, _ = run_batch(store.snapshot(), load_settings(), progress=False)
    store.save_findings(findings)
    return store
