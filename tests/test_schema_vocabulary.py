"""The graph's vocabulary lives once, in graph/schema.toml: entity types and their labels,
role labels, search fields, the Neo4j store's own nodes; and one GraphML/GEXF writer."""

import copy
import inspect
import io
import tomllib

import networkx as nx
import pytest
from conftest import REPO

from bidgraph.errors import SchemaError
from bidgraph.graph.export import gexf_bytes, graphml_bytes, to_networkx
from bidgraph.graph.schema import _parse, schema


@pytest.fixture
def doc():
    with open(REPO / "graph" / "schema.toml", "rb") as fh:
        return tomllib.load(fh)


def test_finding_entity_types_name_labels():
    sch = schema()
    assert sch.entity_labels["company"] == "Organization" and sch.entity_labels["ip"] == "IP"
    assert sch.finding_entity_types == {
        "company",
        "person",
        "expert",
        "lot",
        "project",
        "contract",
        "ip",
        "device",
        "document",
    }
    assert "bid" not in sch.entity_labels and sch.label_entity_type("Bid") == "bid"


def test_role_labels_name_the_organization_entity_type():
    sch = schema()
    assert {sch.label_entity_type(role) for role in ("Organization", "Bidder", "Tenderer", "Agency")} == {"company"}
    assert sch.label_entity_type("Phone") is None and sch.label_entity_type("Finding") is None


def test_every_consumer_reads_the_one_vocabulary():
    from bidgraph.cases.scope import LABEL_TYPES
    from bidgraph.detectors.core.finding import ENTITY_TYPES, Entity
    from bidgraph.workbench.elements import GROUP
    from bidgraph.workbench.views import ENTITY_LABELS, entity_uid

    assert ENTITY_TYPES == schema().finding_entity_types and ENTITY_LABELS == schema().entity_labels
    assert GROUP == schema().canvas_group == "Group"  # saved views keep it: cases/view_image.py reads them
    assert LABEL_TYPES == schema().label_entity_types
    assert entity_uid({"type": "company", "id": "ORG1"}) == "Organization:ORG1"
    with pytest.raises(ValueError, match="entity type"):
        Entity("bid", "B1", "member")  # scopes place bids; findings do not name them


def test_search_fields_are_declared_with_how_they_match():
    sch = schema()
    fields = {(f.label, f.property): f.match for f in sch.search_fields}
    assert fields[("Organization", "name")] == "fuzzy_name" and fields[("Person", "name")] == "name"
    assert (
        fields[("Organization", "uscc")] == "registry_number" and fields[("Person", "id_number")] == "registry_number"
    )
    assert [f.label for f in sch.search_fields_matching("fuzzy_name")] == ["Organization", "Project"]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: d["search"]["fields"].append({"label": "Person", "property": "nope", "match": "name"}),
            "not a property",
        ),
        (lambda d: d["search"]["fields"].append({"label": "Person", "property": "name", "match": "regex"}), "match"),
        (lambda d: d["entity_types"].update(shop={"label": "Shop"}), "unknown label"),
        (lambda d: d["store"]["relationships"]["FLAGS"].update({"from": "Nowhere"}), "unknown label"),
        (lambda d: d["store"]["nodes"].update(Person={"key": "id"}), "already a bundle node"),
        (lambda d: d["nodes"]["Project"].update(indexes=["colour"]), "not a property"),
        (lambda d: d["value_labels"].update(purple=["紫", "purple"]), "not an enum value"),
        (lambda d: d["canvas"].update(group="Organization"), "already a graph node"),
    ],
)
def test_schema_mistakes_fail_loudly(doc, change, message):
    broken = copy.deepcopy(doc)
    change(broken)
    with pytest.raises(SchemaError, match=message):
        _parse(broken)


def test_every_enum_value_has_a_chinese_name():
    """Findings' Chinese explanations and the workbench name enum values, never print them raw."""
    values = {v for t in schema().tables.values() for c in t.columns.values() for v in c.values}
    assert {v for v in values if schema().value_label(v, "zh") == v} == set()
    assert schema().value_label("competitive_negotiation", "zh") == "竞争性谈判"
    assert schema().value_label("not-an-enum", "zh") == "not-an-enum"


def test_store_bookkeeping_is_declared():
    sch = schema()
    assert sch.store_nodes["Finding"].key == "id" and sch.store_nodes["BidgraphLoad"].key == "content_sha256"
    flags = sch.store_relationships["FLAGS"]
    assert (flags.start, flags.end, flags.properties) == ("Finding", "*", ("role",))


def test_the_neo4j_store_keeps_the_query_api():
    from bidgraph.graph.api import GraphStore
    from bidgraph.graph.neo4j.store import Neo4jStore

    store = Neo4jStore(driver=None)  # no server: constructing it sends nothing
    assert store.kind == "neo4j" and store.connection.database is None
    for name in (
        "load",
        "info",
        "node",
        "expand",
        "paths",
        "subgraph",
        "search",
        "snapshot",
        "save_findings",
        "findings",
    ):
        assert inspect.signature(getattr(Neo4jStore, name)).parameters.keys() == (
            inspect.signature(getattr(GraphStore, name)).parameters.keys()
        ), name


SUBGRAPH = {
    "nodes": [
        {
            "id": "Organization:A",
            "label": "Organization",
            "labels": ["Organization", "Bidder"],
            "key": "A",
            "caption": "甲建设工程有限公司",
            "properties": {"name": "甲建设工程有限公司", "registered_capital": 500.0, "phone": None},
            "source": {"table": "organizations", "file": "organizations.csv", "row": 2},
        },
        {"id": "IP:10.0.0.7", "label": "IP", "labels": ["IP"], "key": "10.0.0.7", "caption": "10.0.0.7"},
    ],
    "edges": [
        {"id": "e1", "source": "Organization:A", "target": "IP:10.0.0.7", "type": "UPLOADED_FROM", "properties": {}},
        {"id": "e2", "source": "Organization:A", "target": "IP:10.0.0.7", "type": "UPLOADED_FROM", "properties": {}},
    ],
}


def test_one_writer_for_graphml_and_gexf():
    g = to_networkx(SUBGRAPH, {"IP:10.0.0.7": {"note": "同一IP"}})
    back = nx.read_graphml(io.BytesIO(graphml_bytes(g)), force_multigraph=True)
    a = back.nodes["Organization:A"]
    assert a["caption"] == "甲建设工程有限公司" and a["labels"] == "Organization;Bidder"
    assert a["p.registered_capital"] == "500.0" and "p.phone" not in a and a["source_file"] == "organizations.csv"
    assert back.nodes["IP:10.0.0.7"]["note"] == "同一IP"
    assert back.number_of_edges("Organization:A", "IP:10.0.0.7") == 2  # parallel edges kept apart by id
    assert nx.read_gexf(io.BytesIO(gexf_bytes(g))).number_of_nodes() == 2
    assert graphml_bytes(to_networkx(SUBGRAPH)) == graphml_bytes(to_networkx(copy.deepcopy(SUBGRAPH)))
