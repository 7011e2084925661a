"""The JSON Schemas of CQL values, kept importable here: they live in `app.rows.types.schemas` (the functions) and
in the scalar registry's rows (`app.rows.types.registry.SCALARS`: `read`, `written`, `key_schema`, `key_names`)."""

from app.rows.types.registry import SCALARS
from app.rows.types.schemas import NEVER_NULL_ON_READ, has_map, key_schema, nullable, read_schema, write_schema

__all__ = ["NEVER_NULL_ON_READ", "SCALARS", "has_map", "key_schema", "nullable", "read_schema", "write_schema"]
