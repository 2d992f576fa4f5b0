"""What every service serves for operators: Prometheus `/metrics` and a JSON `/status`."""

from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["metrics_response", "monitoring_app"]


def metrics_response(registry: CollectorRegistry) -> web.Response:
    """The registry's metrics in Prometheus's text format."""
    return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


def monitoring_app(registry: CollectorRegistry, status: Callable[[], dict[str, Any]]) -> web.Application:
    """An app with `GET /metrics` and `GET /status` (the JSON `status()` returns), for services whose API is not
    HTTP (the DA signer and disperser speak gRPC)."""
    app = web.Application()

    async def metrics(_: web.Request) -> web.Response:
        return metrics_response(registry)

    async def status_json(_: web.Request) -> web.Response:
        return web.json_response(status())

    app.router.add_get("/metrics", metrics)
    app.router.add_get("/status", status_json)
    return app
