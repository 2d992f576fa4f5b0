"""`zerog memory`: agent memory on a KV node (remember, recall by meaning, forget, history) and its MCP server."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from zerog.cli.common import DevnetDirOption, JsonFlag, print_json, stderr, stdout
from zerog.cli.kv import KvOption
from zerog.client import resolve_network
from zerog.errors import InvalidInput
from zerog.memory.client import MemoryClient

app = typer.Typer(
    no_args_is_help=True, help="Agent memory: remember, recall by meaning, forget; every memory on the log."
)

T = TypeVar("T")

AgentArg = Annotated[str, typer.Argument(help="The agent's name (its memories live in their own KV stream)")]
TagOption = Annotated[list[str] | None, typer.Option("--tag", help="A tag, repeatable")]


def _url(kv: str | None, devnet: Any) -> str:
    return resolve_network(devnet_dir=devnet, kv=kv, require_chain=False).require_kv()


def _call(url: str, action: Callable[[MemoryClient], Awaitable[T]]) -> T:
    async def go() -> T:
        async with MemoryClient(url) as client:
            return await action(client)

    return asyncio.run(go())


def _provenance(p: dict[str, Any]) -> str:
    return f"tx {p['txSeq']} · root {p['dataRoot'][:18]}… · writer {p['writer']} · block {p['blockNumber']}"


@app.command("remember")
def remember(
    agent: AgentArg,
    text: Annotated[str, typer.Argument(help="What to remember (text, or JSON with --json-data)")],
    tag: TagOption = None,
    ttl: Annotated[float | None, typer.Option("--ttl", min=0.001, help="Forget after this many seconds")] = None,
    json_data: Annotated[bool, typer.Option("--json-data", help="TEXT is a JSON value to store")] = False,
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Remember TEXT for AGENT; prints its id and where it is on the log."""
    content: Any = text
    if json_data:
        try:
            content = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"--json-data: not JSON: {exc}") from exc
    if not json_output:
        stderr.print("[dim]writing to the log and waiting until it is recallable…[/dim]")
    saved = _call(_url(kv, devnet), lambda c: c.remember(agent, content, tags=tag, ttl_s=ttl))
    if json_output:
        print_json(saved)
        return
    stdout.print(f"remembered {saved['id']}")
    stdout.print(f"provenance {_provenance(saved['provenance'])}")


@app.command("recall")
def recall(
    agent: AgentArg,
    query: Annotated[str, typer.Argument(help="What to look for, in your own words")],
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="How many memories")] = 5,
    tag: TagOption = None,
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Recall AGENT's memories closest in meaning to QUERY, best first, with provenance."""
    found = _call(_url(kv, devnet), lambda c: c.recall(agent, query, k, tags=tag))
    if json_output:
        print_json(found)
        return
    for hit in found["results"]:
        stdout.print(f"{hit['score']:.3f}  {hit['text']}  [dim]({hit['id']})[/dim]")
        stdout.print(f"       [dim]{_provenance(hit['provenance'])}[/dim]")
    stderr.print(
        f"[dim]{len(found['results'])} result(s), {found['embedder']}, read at log tx {found['readAt']}, "
        f"{found['tookMs']:.1f} ms[/dim]"
    )


@app.command("forget")
def forget(
    agent: AgentArg,
    memory_id: Annotated[str, typer.Argument(help="The memory's id")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history)")] = "",
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Forget a memory: a tombstone on the log; recall skips it, history keeps it."""
    gone = _call(_url(kv, devnet), lambda c: c.forget(agent, memory_id, reason))
    if json_output:
        print_json(gone)
        return
    stdout.print(f"forgot     {memory_id}")
    stdout.print(f"provenance {_provenance(gone['provenance'])}")


@app.command("history")
def history(
    agent: AgentArg,
    memory_id: Annotated[str, typer.Argument(help="The memory's id")],
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Every version of a memory, oldest first, with provenance."""
    found = _call(_url(kv, devnet), lambda c: c.history(agent, memory_id))
    if json_output:
        print_json(found)
        return
    for version in found["versions"]:
        record = version.get("record") or {}
        when = record.get("createdAt") or record.get("forgottenAt")
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when)) if when else "?"
        detail = record.get("text") or record.get("reason") or version.get("error") or ""
        stdout.print(f"v{version['version']:<6} {version['kind']:<9} {stamp}  {detail}")
        if "provenance" in version:
            stdout.print(f"        [dim]{_provenance(version['provenance'])}[/dim]")


@app.command("status")
def status(kv: KvOption = None, devnet: DevnetDirOption = None) -> None:
    """What the memory API holds: agents, memories, embedder, index."""
    print_json(_call(_url(kv, devnet), lambda c: c.status()))


@app.command("mcp")
def mcp(
    agent: Annotated[str, typer.Option("--agent", help="The agent whose memory the tools use by default")],
    kv: KvOption = None,
    devnet: DevnetDirOption = None,
) -> None:
    """Serve agent memory as MCP tools over stdio (for agent frameworks)."""
    from zerog.memory.mcp import serve_stdio
    from zerog.memory.records import check_agent

    asyncio.run(serve_stdio(_url(kv, devnet), check_agent(agent)))
