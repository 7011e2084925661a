"""What clients send and receive. Bounds follow the CQL types: `int` is 32-bit, `float` is 32-bit and finite."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

FLOAT32_MAX = 3.4028234663852886e38
INT32_MAX = 2**31 - 1

Key = Annotated[str, Field(min_length=1, max_length=256, description="partition or clustering key; non-empty")]
Count = Annotated[int, Field(ge=0, le=INT32_MAX, description="a non-negative 32-bit count")]


class Animal(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    genus: Key
    species: Key
    image_url: str = Field(max_length=2048)
    size_cm: float = Field(ge=0, le=FLOAT32_MAX, description="stored as a 32-bit float; read back as written")
    sightings: Count
    taxonomy: list[Annotated[str, Field(max_length=256)]] = Field(max_length=64)


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
    error: str
    detail: object
