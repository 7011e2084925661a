"""The parameters shared by the genus listings, and the one function that answers a listing in any framing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from starlette.responses import Response

from app.db.database import Listing
from app.http.admission import admit_stream
from app.http.deps import Backend
from app.models import ErrorBody
from app.streaming import NDJSON_TYPES, Framing, StreamLimits, choose_framing, count_pages, one_page, stream_pages

KeyPath = Annotated[str, Path(min_length=1, max_length=256)]
FormatParam = Annotated[
    Framing | None,
    Query(description="json (a streamed array), ndjson (one object per line), or page (one page and a cursor)"),
]
PageSizeParam = Annotated[
    int | None,
    Query(ge=1, le=100_000, description="rows per page (bounded by MAX_PAGE_SIZE; by MAX_CURSOR_PAGE_SIZE for page)"),
]
# No max_length here: an over-long token is a bad token (400 from the codec), not a malformed request (422).
PageStateParam = Annotated[
    str | None, Query(description="cursor from a previous page's next_page_state; empty for the first page")
]

LISTING_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "A JSON array (streamed), NDJSON lines, or a page with a cursor",
        "content": {kind: {} for kind in NDJSON_TYPES},
    },
    400: {"model": ErrorBody, "description": "page_state not valid for this query"},
    503: {"model": ErrorBody, "description": "Cassandra unavailable, or too many requests/streams (Retry-After)"},
    504: {"model": ErrorBody, "description": "Cassandra timed out"},
}


async def answer_listing(
    request: Request,
    backend: Backend,
    listing: Listing,
    *,
    format: Framing | None,
    page_size: int | None,
    page_state: str | None,
) -> Response:
    settings, codec = backend.settings, backend.cursors
    framing, media_type = choose_framing(request, format, page_state)
    size = min(page_size or settings.page_size, settings.max_page_size)
    if framing is Framing.PAGE:
        # The one page is held whole, decoded and encoded, while it is answered: it gets the lower cap.
        size = min(size, settings.max_cursor_page_size)
        state = codec.open(page_state, listing.query) if page_state else None
        return await one_page(count_pages(listing.fetch(size, state), framing), codec, listing.query)
    await admit_stream(request)  # one of MAX_STREAMS slots, or 503
    pages = count_pages(listing.fetch(size, None), framing)
    return await stream_pages(pages, framing, media_type, limits=StreamLimits.of(settings))
