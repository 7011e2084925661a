"""The setting group of the Data API face (`POST /v1/...`): the Data API's own limits, each a setting."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DataApiSettings(BaseModel):
    """The Data API face (tables)"""

    data_api_max_insert_rows: int = Field(
        default=100, ge=1, le=10_000, description="rows one insertMany may hold (the Data API's 100)"
    )
    data_api_max_in_values: int = Field(
        default=100, ge=1, le=10_000, description="values one $in, $nin or $all list of a filter may hold"
    )
    data_api_max_filter_properties: int = Field(
        default=64, ge=1, le=1000, description="properties (columns and operators) one filter may hold"
    )
    data_api_page_size: int = Field(
        default=20, ge=1, le=1000, description="rows a find answers per page (the Data API documents 20)"
    )
    data_api_max_sort_rows: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description="rows a find may read to sort them in memory (a sort that is not the clustering order), and "
        "to filter them in memory ($ne, $nin, $exists, several $in values on a collection)",
    )
