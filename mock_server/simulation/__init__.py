"""Simulated outcomes: which tasks fail and why (faults, latency and limits come later)."""
