"""`zerog storage run`: the storage node process, one asyncio task group owning every loop.

Public HTTP (rpc_listen_address): POST / for zgs_* JSON-RPC, GET /metrics (Prometheus), GET /status (JSON).
Admin HTTP (127.0.0.1 only): POST / for admin_* JSON-RPC.
"""

import asyncio
from typing import Any

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest

from zerog.chain import FlowContract, connect
from zerog.codec.segment import segment_to_binary
from zerog.rpc import JsonRpcError, JsonRpcServer, RpcMetrics
from zerog.rpc.monitoring import metrics_response
from zerog.storage.config import StorageConfig
from zerog.storage.log_sync import LogSync
from zerog.storage.miner import Miner
from zerog.storage.node import StorageNode
from zerog.storage.node_client import MAX_SEGMENTS_PER_BATCH, SEGMENTS_PATH
from zerog.storage.rpc import register_admin_methods, register_miner_methods, register_zgs_methods
from zerog.storage.store import FlowStore
from zerog.storage.sync import PeerSync

__all__ = ["StorageService"]

log = structlog.get_logger("zerog.storage")


class StorageService:
    """Owns a node's store, servers and background loops; `run` returns after `stop()` or admin_shutdown."""

    def __init__(self, config: StorageConfig) -> None:
        self.config = config
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self.node: StorageNode | None = None
        self.miner: Miner | None = None

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        config = self.config
        w3 = await asyncio.to_thread(connect, config.rpc_url)
        await asyncio.to_thread(FlowContract(w3, config.flow_address).require_code)
        chain_id = await asyncio.to_thread(lambda: int(w3.eth.chain_id))
        store = FlowStore(config.db_dir, map_size_bytes=config.db_max_size_bytes)
        registry = CollectorRegistry()
        node = self.node = StorageNode(config, store, chain_id, registry)
        miner = self.miner = Miner(config, node, w3, registry) if config.miner.enabled else None
        if miner is not None:
            node.revert_listeners.append(miner.on_reverted)
        log_sync = LogSync(config.log_sync, node, w3)
        peer_sync = PeerSync(config, node)
        rpc_metrics = RpcMetrics(registry)
        public = JsonRpcServer("storage", max_body_bytes=config.max_request_bytes, metrics=rpc_metrics)
        register_zgs_methods(public, node)
        admin = JsonRpcServer("storage-admin", max_body_bytes=1 << 20, metrics=rpc_metrics)
        register_admin_methods(
            admin, node, shutdown=self.stop, sync=peer_sync, metrics=lambda: generate_latest(registry).decode()
        )
        register_miner_methods(admin, miner)
        runners: list[web.AppRunner] = []
        try:
            runners.append(await _serve(_public_app(public, node, registry, miner), *config.listen))
            runners.append(await _serve(_rpc_app(admin), *config.admin_listen))
            async with asyncio.TaskGroup() as tasks:
                synced, peers_ready = asyncio.Event(), asyncio.Event()
                sync_task = tasks.create_task(log_sync.run(synced))
                peer_task = tasks.create_task(peer_sync.run(peers_ready))
                await synced.wait()
                mining = asyncio.Event()
                miner_task = tasks.create_task(miner.run(mining)) if miner is not None else None
                if miner_task is not None:
                    await _first(mining, miner_task)
                self.ready.set()
                log.info(
                    "storage_node_ready",
                    url=config.url,
                    admin=f"http://{config.admin_listen[0]}:{config.admin_listen[1]}",
                    shard=f"{config.shard.shard_id}/{config.shard.num_shard}",
                    next_tx_seq=store.next_tx_seq(),
                )
                await self._stop.wait()
                sync_task.cancel()
                peer_task.cancel()
                if miner is not None and miner_task is not None:
                    miner.stop()
                    miner_task.cancel()
        finally:
            for runner in runners:
                await runner.cleanup()
            await node.close()
            store.close()
            log.info("storage_node_stopped")


def _rpc_app(server: JsonRpcServer) -> web.Application:
    app = web.Application(client_max_size=server.max_body_bytes + 1)
    app.router.add_post("/", server.handle_http)
    return app


def _public_app(
    server: JsonRpcServer, node: StorageNode, registry: CollectorRegistry, miner: Miner | None
) -> web.Application:
    app = _rpc_app(server)

    async def metrics(_: web.Request) -> web.Response:
        return metrics_response(registry)

    async def status(_: web.Request) -> web.Response:
        body: dict[str, Any] = {
            **node.status_json(),
            "shard": f"{node.config.shard.shard_id}/{node.config.shard.num_shard}",
            "pendingTxs": len(node.pending),
            "cacheBytes": node.cache.total_bytes,
            "mining": miner.status_json() if miner is not None else None,
        }
        return web.json_response(body)

    async def segments(request: web.Request) -> web.Response:
        """zerog extension: segments with their proofs in binary frames (no base64, no JSON) for fast downloads.

        GET ?txSeq=N&indices=i,j,... (at most MAX_SEGMENTS_PER_BATCH); the body holds one frame per held segment,
        each a u32 length and `segment_to_binary`; segments not held here are simply absent.
        """
        try:
            tx_seq = int(request.query["txSeq"])
            indices = [int(i) for i in request.query["indices"].split(",")]
        except (KeyError, ValueError):
            return web.json_response({"error": "txSeq and indices (comma-separated) are required"}, status=400)
        if not 0 < len(indices) <= MAX_SEGMENTS_PER_BATCH:
            return web.json_response({"error": f"1 to {MAX_SEGMENTS_PER_BATCH} indices per request"}, status=400)
        tx = node.get_tx(tx_seq)
        if tx is None:
            return web.json_response({"error": f"unknown tx {tx_seq}"}, status=404)
        frames = []
        for index in indices:
            try:
                found = node.download_with_proof(tx, index)
            except JsonRpcError as exc:
                return web.json_response({"error": exc.message}, status=400)
            if found is not None:
                frame = segment_to_binary(found)
                frames += [len(frame).to_bytes(4, "big"), frame]
        return web.Response(body=b"".join(frames), content_type="application/octet-stream")

    app.router.add_get("/metrics", metrics)
    app.router.add_get("/status", status)
    app.router.add_get(SEGMENTS_PATH, segments)
    return app


async def _first(ready: asyncio.Event, task: "asyncio.Task[None]") -> None:
    """Wait until `ready` is set, or raise what ended `task` first (a miner that cannot register)."""
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if task in done and not ready.is_set():
        waiter.cancel()
        task.result()


async def _serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
