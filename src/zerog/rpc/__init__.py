"""JSON-RPC 2.0 plumbing shared by every zerog service and client."""

from zerog.rpc.client import JsonRpcClient
from zerog.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    SERVER_ERROR,
    JsonRpcError,
    invalid_params,
)
from zerog.rpc.params import Param, parse_params
from zerog.rpc.server import Handler, JsonRpcServer, RpcMetrics, request_headers

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "SERVER_ERROR",
    "Handler",
    "JsonRpcClient",
    "JsonRpcError",
    "JsonRpcServer",
    "Param",
    "RpcMetrics",
    "invalid_params",
    "parse_params",
    "request_headers",
]
