"""The sample's routes (/animal, /plant) answer 404 while SAMPLE_API has the sample off.

A dependency of the sample's routers, given where main.py includes them: it runs before the routes' own checks
(keys, parameters, body), so an off sample is a 404 whatever the request, as a route that is not there would be,
but one whose body says why. They stay mounted because `auto` is decided in the lifespan, after the routes exist.
"""

from __future__ import annotations

from fastapi import Depends, Request

from app.http.deps import Backend


async def require_sample(request: Request) -> None:
    backend: Backend = request.state.backend
    backend.statements.sample()  # SampleOff (404) when the sample is off


SampleOn = Depends(require_sample)
