"""The specification: schemas and manifest loaded once, indexed as operations."""
