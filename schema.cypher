// Neo4j constraints and indexes for bidgraph, generated from graph/schema.toml by
//   python -m bidgraph.graph.schema --cypher > schema.cypher
// Do not edit by hand: tests/test_schema_cypher.py fails when the two differ. The Neo4j store
// applies these statements (each idempotent) before every load.

// One key per node label.
CREATE CONSTRAINT organization_key IF NOT EXISTS FOR (n:Organization) REQUIRE n.org_id IS UNIQUE;
CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE n.person_id IS UNIQUE;
CREATE CONSTRAINT expert_key IF NOT EXISTS FOR (n:Expert) REQUIRE n.expert_id IS UNIQUE;
CREATE CONSTRAINT project_key IF NOT EXISTS FOR (n:Project) REQUIRE n.project_id IS UNIQUE;
CREATE CONSTRAINT lot_key IF NOT EXISTS FOR (n:Lot) REQUIRE n.lot_id IS UNIQUE;
CREATE CONSTRAINT bid_key IF NOT EXISTS FOR (n:Bid) REQUIRE n.bid_id IS UNIQUE;
CREATE CONSTRAINT contract_key IF NOT EXISTS FOR (n:Contract) REQUIRE n.contract_id IS UNIQUE;
CREATE CONSTRAINT payment_key IF NOT EXISTS FOR (n:Payment) REQUIRE n.payment_id IS UNIQUE;
CREATE CONSTRAINT complaint_key IF NOT EXISTS FOR (n:Complaint) REQUIRE n.complaint_id IS UNIQUE;
CREATE CONSTRAINT ocds_release_key IF NOT EXISTS FOR (n:OcdsRelease) REQUIRE n.ocid IS UNIQUE;
CREATE CONSTRAINT ip_key IF NOT EXISTS FOR (n:IP) REQUIRE n.address IS UNIQUE;
CREATE CONSTRAINT device_key IF NOT EXISTS FOR (n:Device) REQUIRE n.device_id IS UNIQUE;
CREATE CONSTRAINT document_key IF NOT EXISTS FOR (n:Document) REQUIRE n.fingerprint IS UNIQUE;
CREATE CONSTRAINT phone_key IF NOT EXISTS FOR (n:Phone) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT email_key IF NOT EXISTS FOR (n:Email) REQUIRE n.address IS UNIQUE;
CREATE CONSTRAINT address_key IF NOT EXISTS FOR (n:Address) REQUIRE n.text IS UNIQUE;
CREATE CONSTRAINT finding_key IF NOT EXISTS FOR (n:Finding) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT bidgraph_load_key IF NOT EXISTS FOR (n:BidgraphLoad) REQUIRE n.content_sha256 IS UNIQUE;

// Declared in schema.toml (`indexes`).
CREATE INDEX project_region_code IF NOT EXISTS FOR (n:Project) ON (n.region_code);
CREATE INDEX finding_detector IF NOT EXISTS FOR (n:Finding) ON (n.detector);

// What search looks in (schema.toml [search]).
CREATE TEXT INDEX organization_name_text IF NOT EXISTS FOR (n:Organization) ON (n.name);
CREATE TEXT INDEX person_name_text IF NOT EXISTS FOR (n:Person) ON (n.name);
CREATE TEXT INDEX expert_name_text IF NOT EXISTS FOR (n:Expert) ON (n.name);
CREATE TEXT INDEX project_name_text IF NOT EXISTS FOR (n:Project) ON (n.name);
CREATE TEXT INDEX lot_name_text IF NOT EXISTS FOR (n:Lot) ON (n.name);
CREATE INDEX organization_uscc IF NOT EXISTS FOR (n:Organization) ON (n.uscc);
CREATE INDEX person_id_number IF NOT EXISTS FOR (n:Person) ON (n.id_number);
CREATE INDEX expert_person_id IF NOT EXISTS FOR (n:Expert) ON (n.person_id);
