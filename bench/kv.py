"""KV on a fresh devnet: how soon a write is readable, and how fast kv_getValue answers.

- write -> readable: each of N writes (one key, 64 B, its own log entry) is timed from the start of the upload
  until zerog's KvClient reads the new value back from the devnet's KV node. Baseline, same run: the storage part
  of the same writes (hash, Flow.submit, segments to the node, finalized), so the rest is the KV node's cost
  (log sync, data fetch, replay). Goal (issue 4): median and p95 <= 2 s.
- kv_getValue reads/s: M reads over HTTP JSON-RPC (C concurrent callers, one connection pool) of the keys written,
  beside the same number of `kv_getStatus` calls: the bare JSON-RPC round trip, so the ratio is the cost of the
  lookup itself.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from zerog.client import Network
from zerog.client.kv import Batcher, KvClient, stream_id_for
from zerog.devnet import devnet_down, devnet_up, find_free_port
from zerog.rpc import JsonRpcClient

GOAL_S = 2.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def write_latencies(network: Network, kv_url: str, count: int) -> tuple[list[float], list[float]]:
    stream = stream_id_for(f"bench/kv/{time.time()}")
    totals, uploads = [], []
    async with KvClient(kv_url) as kv:
        for i in range(count):
            key, value = f"key-{i:04d}".encode(), f"value {i} ".encode().ljust(64, b".")
            started = time.perf_counter()
            written = await Batcher(network).set(stream, key, value).execute(wait="stored")
            uploaded = time.perf_counter()
            while (await kv.get(stream, key)).data != value:
                await asyncio.sleep(0.01)
            totals.append(time.perf_counter() - started)
            uploads.append(uploaded - started)
            if written.tx_seq < 0:
                raise SystemExit("no tx seq")
    return totals, uploads


async def call_rate(url: str, method: str, params: list[list[object]], concurrency: int) -> float:
    """Calls per second of `method` with each of `params`, `concurrency` at a time."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        rpc = JsonRpcClient(url, session=session)
        queue = list(params)

        async def worker() -> None:
            while queue:
                await rpc.call(method, *queue.pop())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(params) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        devnet = Path(tmp) / "devnet"
        info = devnet_up(devnet, port=find_free_port(), fresh=True, auto_sync=False, mining=False)
        try:
            kv_url = info.services["kv_nodes"][0]["url"]
            network = Network(
                rpc_url=info.rpc_url,
                flow_address=info.contract("Flow"),
                private_key=info.accounts[1].private_key,
                info=info,
                nodes=(info.services["storage_nodes"][0]["url"],),
                kv=kv_url,
            )
            totals, uploads = asyncio.run(write_latencies(network, kv_url, args.writes))
            stream = "0x" + stream_id_for("bench/kv/reads").hex()
            asyncio.run(Batcher(network).set(bytes.fromhex(stream[2:]), b"hot", b"x" * 64).execute())
            reads = [[stream, "aG90", 0, 256 * 1024]] * args.reads  # key "hot" in base64
            read_rate = asyncio.run(call_rate(kv_url, "kv_getValue", reads, args.concurrency))
            status_rate = asyncio.run(call_rate(kv_url, "kv_getStatus", [[]] * args.reads, args.concurrency))
        finally:
            devnet_down(devnet)
    report(totals, uploads, read_rate, status_rate, args)


def report(
    totals: list[float], uploads: list[float], read_rate: float, status_rate: float, args: argparse.Namespace
) -> None:
    med, p95 = statistics.median(totals), percentile(totals, 0.95)
    up_med, up_p95 = statistics.median(uploads), percentile(uploads, 0.95)
    extra = [t - u for t, u in zip(totals, uploads, strict=True)]
    print(f"KV on a fresh devnet ({args.writes} writes of one 64 B key, each its own log entry)")
    print(f"  {'':<34}{'median':>9}{'p95':>9}")
    print(f"  {'write -> readable (zerog KV node)':<34}{med:>8.3f}s{p95:>8.3f}s")
    print(f"  {'baseline: the storage upload alone':<34}{up_med:>8.3f}s{up_p95:>8.3f}s")
    print(
        f"  {'KV node on top (sync, fetch, replay)':<34}{statistics.median(extra):>8.3f}s"
        f"{percentile(extra, 0.95):>8.3f}s   ratio total/upload {med / up_med:.2f}x"
    )
    print(
        f"  kv_getValue {read_rate:,.0f} reads/s vs kv_getStatus {status_rate:,.0f} calls/s "
        f"(bare JSON-RPC round trip), ratio {read_rate / status_rate:.2f}x, {args.concurrency} concurrent callers"
    )
    met = med <= GOAL_S and p95 <= GOAL_S
    print(f"  goal: median and p95 <= {GOAL_S:.0f} s: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
