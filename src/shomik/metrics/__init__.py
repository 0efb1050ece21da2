"""Operational metrics: `GET /metrics` in the Prometheus text format (docs/deployment.md)."""
