"""What every part of the benchmark (and the tests, for the proxy and the process helpers) builds on: paths and the
log line, processes and ports, the services under measurement, the load tools, the local node, the TCP proxy.

Nothing here imports a section, a target or a report, so those import the harness and never each other.
"""
