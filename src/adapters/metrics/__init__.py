"""Where the service's counts and timings go: Prometheus."""
