"""JSON-RPC 2.0 error codes and the error that carries one across the wire."""

from typing import Any

from zerog.errors import ZerogError

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "SERVER_ERROR",
    "JsonRpcError",
    "invalid_params",
]

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000
"""Application errors that are not about the parameters (0G's nodes use -32000 for these)."""


class JsonRpcError(ZerogError):
    """An error answer: raised by handlers on the server, and by clients when a server answers with one."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message if data is None else f"{message} ({data})")
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def invalid_params(param: str, detail: str) -> JsonRpcError:
    """0G's invalid-params error: code -32602, the parameter and the reason both in the message and in `data`.

    0G sends message "Invalid params: <param>" with data "<reason>"; clients match on either (the TS SDK on data,
    Go on "...; data: ...", the Python SDK only sees the message), so the message carries both.
    """
    return JsonRpcError(INVALID_PARAMS, f"Invalid params: {param}; data: {detail}", detail)
