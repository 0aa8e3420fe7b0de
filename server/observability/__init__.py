"""What operators watch: Prometheus metrics, request log lines, the readiness probe."""
