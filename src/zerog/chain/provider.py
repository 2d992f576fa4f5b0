"""Connecting to an EVM JSON-RPC endpoint, with clear errors when it is not there."""

import requests
from web3 import HTTPProvider, Web3
from web3.middleware import ExtraDataToPOAMiddleware

from zerog.errors import ChainError, Unavailable

__all__ = ["connect"]


def connect(rpc_url: str, *, timeout_s: float = 30.0) -> Web3:
    """A Web3 client for `rpc_url`; raises `Unavailable` if nothing answers there."""
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": timeout_s}))
    # Some chains (0G's among them) put more than 32 bytes in extraData; this keeps block reads working there.
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    try:
        w3.eth.chain_id  # noqa: B018 - a cheap call that proves the endpoint speaks JSON-RPC
    except (requests.exceptions.RequestException, OSError) as exc:
        raise Unavailable(f"no EVM JSON-RPC answers at {rpc_url}") from exc
    except ValueError as exc:
        raise ChainError(f"{rpc_url} answered eth_chainId with an error: {exc}") from exc
    return w3
