"""Shared fixtures. A chain fixture starts a fresh anvil per test module, on 127.0.0.1, and stops it."""

from collections.abc import Iterator

import pytest

from zerog.testing import LocalChain, start_local_chain


@pytest.fixture(scope="module")
def local_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalChain]:
    with start_local_chain(tmp_path_factory.mktemp("anvil")) as chain:
        yield chain
