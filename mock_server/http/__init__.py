"""HTTP: the route table, one endpoint per kind, the envelope, errors and size limits."""
