"""Moved to bench/harness/proxy.py (one proxy for the tests and the benchmark, which must not import tests/).
This name stays only until every caller imports `bench.harness.proxy`."""

from bench.harness.proxy import TcpProxy, start

__all__ = ["TcpProxy", "start"]
