"""The care graph: model (schema, records), the store port and its two adapters (LadybugDB, Neo4j); all Cypher."""
