"""Agent memory on the KV log: remember, recall by meaning, forget, and the history of every memory, each with the
provenance of the log entry that wrote it. Served by the KV node process (`MemoryPlugin`), used through REST, the
MCP server or `MemoryClient`."""

from zerog.memory.book import MemoryBook, Provenance, Recalled
from zerog.memory.client import MemoryClient
from zerog.memory.embedding import Embedder, LexicalEmbedder, MiniLmEmbedder, default_embedder
from zerog.memory.records import MemoryRecord, Tombstone, agent_stream, memory_key
from zerog.memory.service import MemoryPlugin, plugins_for

__all__ = [
    "Embedder",
    "LexicalEmbedder",
    "MemoryBook",
    "MemoryClient",
    "MemoryPlugin",
    "MemoryRecord",
    "MiniLmEmbedder",
    "Provenance",
    "Recalled",
    "Tombstone",
    "agent_stream",
    "default_embedder",
    "memory_key",
    "plugins_for",
]
