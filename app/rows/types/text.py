"""Strings and string-like values: ascii, text, boolean, uuid, timeuuid, inet, blob, both directions.

Text is checked where it is parsed: ascii must be ASCII, and no text may hold a lone surrogate (`"\\ud800"` is valid
JSON, but not UTF-8: the driver would fail to serialise it)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import struct
import uuid
from typing import Any

from app.rows.types.adapters import Codec, Encode, Scalar, Schema, always, refuse, wrapped
from app.rows.types.dialect import Dialect
from app.rows.types.errors import BadValue, cannot, invalid, invalid_string, show
from app.rows.types.java import java_value_text
from app.rows.types.model import CqlType

_SURROGATE = re.compile("[\ud800-\udfff]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


def _text(t: CqlType, dialect: Dialect) -> Codec:
    ascii_only = t.kind == "ascii"

    def parse(text: str) -> object:
        if not text.isascii():
            if ascii_only:
                raise BadValue(f"Invalid ascii value {show(text)}: only ASCII characters are allowed")
            if _SURROGATE.search(text) is not None:
                raise BadValue(f"Invalid {t} value {show(text)}: a lone surrogate (U+D800 to U+DFFF) is not text")
        return text

    def from_json(value: object) -> object:
        return parse(java_value_text(value))

    return Codec(parse, from_json)


def _boolean(t: CqlType, dialect: Dialect) -> Codec:
    def parse(text: str) -> object:
        lowered = text.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        raise invalid(text, t, "expected true or false")

    def from_json(value: object) -> object:
        if type(value) is bool:
            return value
        raise cannot(value, t)

    return Codec(parse, from_json)


def _uuid(t: CqlType, dialect: Dialect) -> Codec:
    time_based = t.kind == "timeuuid"

    def parse(text: str) -> object:
        if _UUID.fullmatch(text) is None:
            raise invalid_string(text, t, "expected a UUID like 123e4567-e89b-12d3-a456-426614174000")
        value = uuid.UUID(text)
        if time_based and (value.int >> 76) & 0xF != 1:
            raise invalid(text, t, "not a time-based (version 1) UUID")
        return value

    return Codec(parse, refuse(t))


def parse_inet(text: str) -> str:
    """A literal IPv4 or IPv6 address (`[::1]` and a `%scope` accepted, a leading `/` as Java prints keys too);
    never a host name: no DNS lookups. IPv4-mapped IPv6 becomes the IPv4 address, as Java stores it."""
    address = text[1:] if text.startswith("/") else text
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    address = address.split("%", 1)[0] if ":" in address else address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError("expected a literal IPv4 or IPv6 address (host names are not resolved)") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def inet_text(address: str) -> str:
    """The driver's inet text as Java prints it: IPv6 uncompressed without leading zeros (`0:0:0:0:0:0:0:1`),
    IPv4-mapped IPv6 as the IPv4 address (`1.2.3.4`), IPv4 unchanged."""
    if ":" not in address:
        return address
    ip = ipaddress.IPv6Address(address)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return ":".join(f"{group:x}" for group in struct.unpack("!8H", ip.packed))


def _inet(t: CqlType, dialect: Dialect) -> Codec:
    return Codec(wrapped(t, parse_inet), refuse(t))


def _encode_inet(value: Any) -> object:
    return None if value is None else inet_text(value)


def parse_blob(text: str) -> bytes:
    """Standard base64 (`+/`), padding optional as in Java's `Base64.getDecoder()`; no blanks, no URL-safe alphabet."""
    if _BASE64.fullmatch(text) is None:
        raise ValueError("expected standard base64")
    if "=" not in text:
        if len(text) % 4 == 1:
            raise ValueError("expected standard base64 (truncated)")
        text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("expected standard base64 (bad padding)") from None


def blob_text(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _blob(t: CqlType, dialect: Dialect) -> Codec:
    parse = wrapped(t, parse_blob)
    if dialect.blob == "base64":
        return Codec(parse, refuse(t))

    def from_binary(value: object) -> object:
        # The Data API's EJSON form: {"$binary": "<base64>"} and nothing else in the object.
        if type(value) is dict and len(value) == 1 and type(encoded := value.get("$binary")) is str:
            return parse(encoded)
        raise cannot(value, t)

    return Codec(parse, from_binary)


def _encode_blob(value: Any) -> object:
    return None if value is None else blob_text(value)


def _encode_binary(value: Any) -> object:
    return None if value is None else {"$binary": blob_text(value)}


def _blob_encoder(dialect: Dialect) -> Encode:
    return _encode_blob if dialect.blob == "base64" else _encode_binary


# --- registration -----------------------------------------------------------------------------------------------

_UUID_SCHEMA: Schema = {"type": "string", "format": "uuid"}
_TIMEUUID_SCHEMA: Schema = {
    **_UUID_SCHEMA,
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$",
}
_BLOB_WRITTEN: Schema = {
    "type": "string",
    "contentEncoding": "base64",
    "pattern": r"^[A-Za-z0-9+/]*={0,2}$",
    "description": "padding optional",
}


def register(scalars: dict[str, Scalar]) -> None:
    ascii_schema: Schema = {"type": "string", "pattern": "^[\\u0000-\\u007f]*$"}
    scalars["ascii"] = Scalar(
        _text, always(None), str, ascii_schema, key_schema={**ascii_schema, "minLength": 1}, json_string=True
    )
    # an empty last segment is no segment
    scalars["text"] = Scalar(
        _text, always(None), str, {"type": "string"}, key_schema={"type": "string", "minLength": 1}, json_string=True
    )
    scalars["boolean"] = Scalar(
        _boolean,
        always(None),
        lambda v: "true" if v else "false",
        {"type": "boolean"},
        key_names={"enum": ["true", "false"]},
    )
    # orjson writes uuid.UUID in the canonical lowercase form (Stargate: the same)
    scalars["uuid"] = Scalar(_uuid, always(None), str, _UUID_SCHEMA, key_names={"format": "uuid"}, json_string=True)
    scalars["timeuuid"] = Scalar(
        _uuid, always(None), str, _TIMEUUID_SCHEMA, key_names={"format": "uuid"}, json_string=True
    )
    scalars["inet"] = Scalar(
        _inet,
        always(_encode_inet),
        lambda v: "/" + inet_text(v),
        {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
        json_string=True,
    )
    scalars["blob"] = Scalar(
        _blob,
        _blob_encoder,
        blob_text,
        {"type": "string", "contentEncoding": "base64", "pattern": BASE64},
        _BLOB_WRITTEN,
        json_string=True,
    )
