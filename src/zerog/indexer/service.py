"""`zerog indexer run`: the indexer process, one asyncio task group owning the health checks and discovery.

One HTTP server (listen_address) serves:
- POST /                 0G's indexer_* JSON-RPC (errors on HTTP 200)
- GET  /file             verified file download (by root or txSeq)
- GET  /file/info/{cid}  file status and locations
- GET  /metrics          Prometheus, from this service's own registry
- GET  /status           the registry as JSON: every node, its shard, latency, health
Every response allows any origin (CORS), like 0G's gateway, so browser builds of the TS SDK can use it.
"""

import asyncio
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry

from zerog.errors import Unavailable
from zerog.indexer.config import IndexerConfig
from zerog.indexer.gateway import Gateway
from zerog.indexer.locations import FileLocator
from zerog.indexer.metrics import IndexerMetrics
from zerog.indexer.registry import NodeRegistry
from zerog.indexer.rpc import register_indexer_methods
from zerog.rpc import JsonRpcServer, RpcMetrics
from zerog.rpc.monitoring import metrics_response

__all__ = ["MAX_RPC_BODY_BYTES", "IndexerService"]

log = structlog.get_logger("zerog.indexer")

MAX_RPC_BODY_BYTES = 1 << 20
"""indexer_* requests are small; a batch of a few hundred calls fits."""


class IndexerService:
    """Owns the indexer's HTTP server, node registry and loops; `run` returns after `stop()`."""

    def __init__(self, config: IndexerConfig) -> None:
        self.config = config
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self.registry: NodeRegistry | None = None
        self.locator: FileLocator | None = None

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        config = self.config
        prometheus = CollectorRegistry()
        metrics = IndexerMetrics(prometheus)
        async with aiohttp.ClientSession() as session:
            registry = self.registry = NodeRegistry(config, session, metrics)
            locator = self.locator = FileLocator(registry, cache_s=config.file_location_cache_s, metrics=metrics)
            rpc = JsonRpcServer("indexer", max_body_bytes=MAX_RPC_BODY_BYTES, metrics=RpcMetrics(prometheus))
            register_indexer_methods(rpc, registry, locator, config.ip_locations)
            app = _build_app(rpc, Gateway(config, registry, locator, metrics), registry, locator, prometheus)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            try:
                try:
                    await web.TCPSite(runner, *config.listen).start()
                except OSError as exc:
                    raise Unavailable(f"the indexer cannot listen on {config.url}: {exc.strerror or exc}") from exc
                async with asyncio.TaskGroup() as tasks:
                    checked = asyncio.Event()
                    health = tasks.create_task(registry.run(checked))
                    discovery = tasks.create_task(registry.run_discovery())
                    await checked.wait()
                    self.ready.set()
                    log.info(
                        "indexer_ready",
                        url=config.url,
                        trusted=len(config.trusted_nodes),
                        healthy=len(registry.healthy()),
                    )
                    await self._stop.wait()
                    health.cancel()
                    discovery.cancel()
            finally:
                await runner.cleanup()
                log.info("indexer_stopped")


def status_json(registry: NodeRegistry, locator: FileLocator) -> dict[str, Any]:
    """GET /status: every node the registry knows, healthy or not."""
    limit = registry.config.max_failures
    states = registry.states()
    return {
        "nodes": [s.to_json(limit) for s in states],
        "healthy": sum(s.is_healthy(limit) for s in states),
        "trusted": sum(s.trusted for s in states),
        "discovered": sum(not s.trusted for s in states),
        "maxFailures": limit,
        "cachedFiles": locator.cached_files,
    }


@web.middleware
async def _preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "OPTIONS":
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", "*"),
                "Access-Control-Max-Age": "600",
            },
        )
    return await handler(request)


async def _allow_any_origin(_: web.Request, response: web.StreamResponse) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"


def _build_app(
    rpc: JsonRpcServer,
    gateway: Gateway,
    registry: NodeRegistry,
    locator: FileLocator,
    prometheus: CollectorRegistry,
) -> web.Application:
    app = web.Application(client_max_size=rpc.max_body_bytes + 1, middlewares=[_preflight])
    app.on_response_prepare.append(_allow_any_origin)
    app.router.add_post("/", rpc.handle_http)
    gateway.add_routes(app)

    async def metrics(_: web.Request) -> web.Response:
        return metrics_response(prometheus)

    async def status(_: web.Request) -> web.Response:
        return web.json_response(status_json(registry, locator))

    app.router.add_get("/metrics", metrics)
    app.router.add_get("/status", status)
    return app
