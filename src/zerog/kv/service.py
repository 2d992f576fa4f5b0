"""`zerog kv run`: the KV node process, one asyncio task group owning log sync and replay.

One HTTP server (rpc_listen_address) serves:
- POST /        0G's kv_* JSON-RPC (and zerog's kv_getReplayProgress)
- GET /metrics  Prometheus, from this service's own registry
- GET /status   log sync height, replay cursor, txs waiting, streams held
Plugins add routes and loops to the same process: agent memory (`zerog.memory`) is one, attached by the CLI.
"""

import asyncio
from collections.abc import Sequence
from typing import Protocol

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry

from zerog.chain import FlowContract, connect
from zerog.errors import Unavailable
from zerog.kv.config import KvConfig
from zerog.kv.node import KvNode
from zerog.kv.rpc import register_kv_methods
from zerog.rpc import JsonRpcServer, RpcMetrics
from zerog.rpc.monitoring import metrics_response
from zerog.storage import LogSync

__all__ = ["KvPlugin", "KvService"]

log = structlog.get_logger("zerog.kv")


class KvPlugin(Protocol):
    """Something served by the KV node process, fed by its replayer."""

    name: str

    def attach(self, node: KvNode, app: web.Application, registry: CollectorRegistry) -> None:
        """Add routes and replay hooks; called before the server starts."""

    async def run(self, ready: asyncio.Event) -> None:
        """Background work for the life of the process; set `ready` once it serves."""


class KvService:
    """Owns a KV node's stores, server and loops; `run` returns after `stop()`."""

    def __init__(self, config: KvConfig, plugins: Sequence[KvPlugin] = ()) -> None:
        self.config = config
        self.plugins = list(plugins)
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self.node: KvNode | None = None

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        config = self.config
        w3 = await asyncio.to_thread(connect, config.rpc_url)
        await asyncio.to_thread(FlowContract(w3, config.flow_address).require_code)
        registry = CollectorRegistry()
        node = self.node = KvNode(config, registry)
        log_sync = LogSync(config.log_sync, node, w3)
        rpc = JsonRpcServer("kv", max_body_bytes=config.max_request_bytes, metrics=RpcMetrics(registry))
        register_kv_methods(rpc, node)
        app = _build_app(rpc, node, registry)
        for plugin in self.plugins:
            plugin.attach(node, app, registry)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, *config.listen).start()
            except OSError as exc:
                raise Unavailable(f"the KV node cannot listen on {config.url}: {exc.strerror or exc}") from exc
            async with asyncio.TaskGroup() as tasks:
                synced, replaying = asyncio.Event(), asyncio.Event()
                loops = [tasks.create_task(log_sync.run(synced))]
                await synced.wait()  # then replay what the log holds so far before saying ready
                loops.append(tasks.create_task(node.replayer.run(replaying)))
                await replaying.wait()
                for plugin in self.plugins:
                    plugin_ready = asyncio.Event()
                    loops.append(tasks.create_task(plugin.run(plugin_ready)))
                    await plugin_ready.wait()
                self.ready.set()
                log.info(
                    "kv_node_ready",
                    url=config.url,
                    streams="all" if config.all_streams else len(config.stream_ids),
                    next_tx_seq=node.store.next_tx_seq(),
                    plugins=[p.name for p in self.plugins],
                )
                await self._stop.wait()
                for loop in loops:
                    loop.cancel()
        finally:
            await runner.cleanup()
            await node.close()
            log.info("kv_node_stopped")


def _build_app(rpc: JsonRpcServer, node: KvNode, registry: CollectorRegistry) -> web.Application:
    app = web.Application(client_max_size=rpc.max_body_bytes + 1)
    app.router.add_post("/", rpc.handle_http)

    async def metrics(_: web.Request) -> web.Response:
        return metrics_response(registry)

    async def status(_: web.Request) -> web.Response:
        return web.json_response(node.status_json())

    app.router.add_get("/metrics", metrics)
    app.router.add_get("/status", status)
    return app
