"""An async-native HTTP API for Apache Cassandra and Astra DB."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cassandra-sample-api")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
