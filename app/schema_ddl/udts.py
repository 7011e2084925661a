"""`POST`, `PUT .../keyspaces/{ks}/types` and `DELETE .../types/{name}`: Stargate's `Sgv2UDTAddRequest` (`name`,
`fields`, `ifNotExists`) and `Sgv2UDTUpdateRequest` (`name`, `addFields`, `renameFields`), in its words, and its
CREATE / ALTER / DROP TYPE (one ALTER per added field, then one for every rename, as Stargate runs them)."""

from __future__ import annotations

from typing import Any

from app.schema_ddl.fields import bad, cql_name, echo, flag, identifier, invalid, objects, qualified
from app.schema_ddl.typedefs import cql_type


def _fields(given: list[dict[str, Any]]) -> list[str]:
    """Each field as `name type`; Stargate's words for a field without either, and for none."""
    written = []
    for field in given:
        name, type_text = field.get("name"), field.get("typeDefinition")
        if not isinstance(name, str) or not name or not isinstance(type_text, str) or not type_text:
            raise bad("Field 'name' and 'typeDefinition' must be provided")
        name = identifier(name, "a field's name")
        written.append(f"{cql_name(name)} {cql_type(type_text, f'field {echo(name)}')}")
    if not written:
        raise bad("There should be at least one field defined")
    return written


def create_type(keyspace: str, body: dict[str, Any]) -> tuple[str, str]:
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise bad("typeName must be provided")
    name = identifier(name, "typeName")
    fields = _fields(objects(body, "fields"))
    exists = "IF NOT EXISTS " if flag(body, "ifNotExists") else ""
    return name, f"CREATE TYPE {exists}{qualified(keyspace, name)} ({', '.join(fields)})"


def update_type(keyspace: str, body: dict[str, Any]) -> tuple[str, list[str]]:
    """(the type's name, its ALTER TYPE statements, in the order Stargate runs them)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("UserDefinedTypeUpdate.name must be provided")
    name = identifier(name, "name")
    added, renames = objects(body, "addFields"), objects(body, "renameFields")
    if not added and not renames:
        raise bad("addFields and/or renameFields is required to update an UDT")
    target = qualified(keyspace, name)
    statements = [f"ALTER TYPE {target} ADD {field}" for field in (_fields(added) if added else [])]
    if renames:
        pairs: dict[str, str] = {}
        for rename in renames:
            old, new = rename.get("from"), rename.get("to")
            if not isinstance(old, str) or not old or not isinstance(new, str) or not new:
                raise invalid("renameFields entries need 'from' and 'to'")
            old, new = identifier(old, "from"), identifier(new, "to")
            if old in pairs:
                raise bad(f"field {echo(old)} is renamed twice")
            pairs[old] = new
        renamed = " AND ".join(f"{cql_name(old)} TO {cql_name(new)}" for old, new in pairs.items())
        statements.append(f"ALTER TYPE {target} RENAME {renamed}")
    return name, statements


def drop_type(keyspace: str, name: str) -> str:
    return f"DROP TYPE IF EXISTS {qualified(keyspace, name)}"
