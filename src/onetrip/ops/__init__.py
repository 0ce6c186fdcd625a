"""Running OneTrip for real: health endpoints, Prometheus metrics, structured logs with a
request id (see docs/deploy.md)."""
