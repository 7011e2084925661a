"""The identity tests' own auth-enabled node (tests/support/auth_node.py), started once per session when needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.auth_node import AuthNode, auth_node


@pytest.fixture(scope="session")
def node() -> Iterator[AuthNode]:
    with auth_node() as started:
        yield started
