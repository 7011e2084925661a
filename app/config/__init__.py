"""Configuration from the environment and `.env`: Astra through a Secure Connect Bundle, or self-hosted Cassandra.

`Settings` is one flat class made of groups, one mixin each with its fields and its own rules:

    database.py    AstraSettings, CassandraSettings (connection, TLS, driver IO), ConsistencySettings
    serving.py     TimeoutSettings, PagingSettings (pages, streams, cursors), AdmissionSettings (limits, memory)
    rows_api.py    RowsApiSettings
    operations.py  AccessSettings, OperationsSettings (logs, start-up, shutdown, probes, metrics, the sample)
    settings.py    Settings (the rules across groups) and load_settings

Each group's docstring is its heading in docs/configuration.md and .env.example (scripts/docs_config.py).
Durations added from now on are in seconds and end in `_seconds` (tests/test_config.py holds the older names).
"""

from app.config.common import IDENTIFIER, MIB, MIN_KEY_LENGTH
from app.config.database import ASTRA_FIELDS, ASTRA_VARIABLES, DriverIO, Mode, is_loopback
from app.config.operations import LogLevel, SampleApi
from app.config.serving import MAKE_A_SECRET, MIN_PAGE_STATE_SECRET_BYTES
from app.config.settings import Settings, load_settings

__all__ = [
    "ASTRA_FIELDS",
    "ASTRA_VARIABLES",
    "IDENTIFIER",
    "MAKE_A_SECRET",
    "MIB",
    "MIN_KEY_LENGTH",
    "MIN_PAGE_STATE_SECRET_BYTES",
    "DriverIO",
    "LogLevel",
    "Mode",
    "SampleApi",
    "Settings",
    "is_loopback",
    "load_settings",
]
