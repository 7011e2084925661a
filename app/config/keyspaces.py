"""Keyspaces the rows API never serves, listed or not: Cassandra's own and those of the tools around it.

A pure rule, shared by the settings (a listed one stops start-up) and the rows catalog (`Served`), so the two can
never disagree. Names are compared as Cassandra spells them (case-sensitive, `OpsCenter`).
"""

from __future__ import annotations

# Prefixes: Cassandra's (system, system_auth, system_schema, ...), DataStax Enterprise's (dse_security, dse_perf,
# dse_leases, dse_insights, ...) and Stargate's (stargate_system, stargate_graphql).
INFRASTRUCTURE_PREFIXES = ("system", "dse_", "stargate_")
INFRASTRUCTURE_KEYSPACES = frozenset(
    {
        "OpsCenter",  # DataStax OpsCenter
        "reaper_db",  # Cassandra Reaper
        "solr_admin",  # DSE Search
        "dsefs",  # DSE's file system
        "cfs",
        "cfs_archive",
        "HiveMetaStore",  # DSE Analytics
        "spark_system",
        "data_endpoint_auth",  # Stargate's table-based auth tokens, and Astra's
        "datastax_sla",  # Astra's own
    }
)


def is_infrastructure(keyspace: str) -> bool:
    """Whether `keyspace` belongs to Cassandra or a tool around it, never to the rows API's clients."""
    return keyspace in INFRASTRUCTURE_KEYSPACES or keyspace.startswith(INFRASTRUCTURE_PREFIXES)
