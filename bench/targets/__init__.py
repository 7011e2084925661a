"""What the benchmark measures: the service and its baselines as uvicorn targets, the clients with no HTTP, and
the service with a cut undone (variants.py)."""
