"""What clients send and receive. Bounds follow the CQL types: `int` is 32-bit, `float` is 32-bit and finite."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

FLOAT32_MAX = 3.4028234663852886e38
INT32_MAX = 2**31 - 1


def _encodable(value: str) -> str:
    # JSON's \ud800 escapes decode to lone surrogates, which the driver cannot encode as UTF-8: refuse them here (422).
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogate code points)") from None
    return value


Text = Annotated[str, AfterValidator(_encodable)]
Key = Annotated[Text, Field(min_length=1, max_length=256, description="partition or clustering key; non-empty")]
Count = Annotated[int, Field(ge=0, le=INT32_MAX, description="a non-negative 32-bit count")]


class Animal(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    genus: Key
    species: Key
    image_url: Text = Field(max_length=2048)
    size_cm: float = Field(ge=0, le=FLOAT32_MAX, description="stored as a 32-bit float; read back as written")
    sightings: Count
    taxonomy: list[Annotated[Text, Field(max_length=256)]] = Field(max_length=64)


class Plant(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    genus: Key
    species: Key
    sightings: Count


class Inserted(BaseModel):
    inserted: bool


class PlantPage(BaseModel):
    items: list[Plant]
    next_page_state: str | None


class AnimalPage(BaseModel):
    items: list[Animal]
    next_page_state: str | None


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer: a stable machine-readable `error` and a `detail` saying what was wrong."""

    error: str
    detail: object


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "refused: `error` names the reason, `detail` says what to fix"},
    "5XX": {"model": ErrorBody, "description": "the service or Cassandra could not answer (503s carry Retry-After)"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "API key missing or not valid (see WWW-Authenticate)"},
    403: {"model": ErrorBody, "description": "writes are disabled: no API_KEYS configured"},
    413: {"model": ErrorBody, "description": "body larger than MAX_BODY_BYTES"},
    422: {"model": ErrorBody, "description": "the body or a parameter is not valid; `detail` lists each problem"},
}
