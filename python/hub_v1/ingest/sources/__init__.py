"""The sources hub_v1.ingest reads, one module each."""
