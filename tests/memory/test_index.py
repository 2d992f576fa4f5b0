"""Vector indexes: the same behaviour from every backend, HNSW's recall against exact search, filters, removal."""

import math
import random
from collections.abc import Callable

import pytest

from zerog.errors import ConfigError, InvalidInput
from zerog.memory.embedding import Vectors
from zerog.memory.index import INDEX_ENV, BruteForceIndex, HnswIndex, VectorIndex, default_index

DIMENSION = 8


def make_pure(dimension: int) -> VectorIndex:
    return BruteForceIndex(dimension, use_numpy=False)


def make_numpy(dimension: int) -> VectorIndex:
    pytest.importorskip("numpy")
    return BruteForceIndex(dimension, use_numpy=True)


def make_hnsw(dimension: int) -> VectorIndex:
    pytest.importorskip("numpy")
    pytest.importorskip("usearch")
    return HnswIndex(dimension)


BACKENDS = [make_pure, make_numpy, make_hnsw]
IndexFactory = Callable[[int], VectorIndex]


def random_unit_vectors(count: int, dimension: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        row = [rng.gauss(0.0, 1.0) for _ in range(dimension)]
        norm = math.sqrt(sum(x * x for x in row))
        rows.append([x / norm for x in row])
    return rows


def basis(i: int, dimension: int = DIMENSION) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(dimension)]


@pytest.fixture(params=BACKENDS, ids=["pure", "numpy", "hnsw"])
def make_index(request: pytest.FixtureRequest) -> IndexFactory:
    factory: IndexFactory = request.param
    return factory


def test_search_returns_cosine_similarity_best_first(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    index.add("x", basis(0))
    index.add("y", [3.0, 4.0] + [0.0] * (DIMENSION - 2))  # normalised on the way in: cosine 0.6 with x
    index.add("z", basis(1))
    hits = index.search([2.0] + [0.0] * (DIMENSION - 1), 3)
    assert [id for id, _ in hits] == ["x", "y", "z"]
    assert [round(score, 5) for _, score in hits] == [1.0, 0.6, 0.0]
    assert len(index) == 3
    assert "y" in index


def test_k_beyond_the_size_returns_everything_and_k_zero_nothing(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    assert index.search(basis(0), 5) == []
    index.add("x", basis(0))
    assert [id for id, _ in index.search(basis(0), 5)] == ["x"]
    assert index.search(basis(0), 0) == []
    with pytest.raises(InvalidInput):
        index.search(basis(0), -1)


def test_adding_an_existing_id_replaces_its_vector(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    index.add("x", basis(0))
    index.add("y", basis(1))
    index.add("x", basis(2))
    assert len(index) == 2
    assert index.search(basis(2), 1)[0][0] == "x"
    assert index.search(basis(0), 2)[0][1] < 0.5


def test_removed_ids_are_never_returned(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    rows = random_unit_vectors(50, DIMENSION, seed=1)
    for i, row in enumerate(rows):
        index.add(str(i), row)
    for i in range(0, 50, 2):
        assert index.remove(str(i))
    assert not index.remove("0")
    assert len(index) == 25
    assert "0" not in index
    hits = index.search(rows[0], 50)
    assert sorted(int(id) for id, _ in hits) == list(range(1, 50, 2))
    assert index.search(rows[3], 1)[0][0] == "3"


def test_filter_keeps_only_allowed_ids_and_still_fills_k(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    rows = random_unit_vectors(300, DIMENSION, seed=2)
    index.build([str(i) for i in range(300)], rows)
    hits = index.search(rows[0], 10, allowed=lambda id: int(id) % 7 == 3)
    assert len(hits) == 10
    assert all(int(id) % 7 == 3 for id, _ in hits)
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    few = index.search(rows[0], 10, allowed=lambda id: id in {"5", "6", "7"})
    assert sorted(id for id, _ in few) == ["5", "6", "7"]


def test_build_replaces_the_contents(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    index.add("old", basis(0))
    index.build(["a", "b"], Vectors.from_rows([basis(0), basis(1)], DIMENSION))
    assert len(index) == 2
    assert "old" not in index
    assert index.search(basis(1), 1)[0][0] == "b"
    index.add("c", basis(2))
    assert index.search(basis(2), 1)[0][0] == "c"


def test_bad_input_is_rejected(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    with pytest.raises(InvalidInput):
        index.add("x", [1.0, 2.0])
    with pytest.raises(InvalidInput):
        index.add("x", [math.nan] * DIMENSION)
    with pytest.raises(InvalidInput):
        index.build(["a", "a"], [basis(0), basis(1)])
    with pytest.raises(InvalidInput):
        index.build(["a"], [basis(0), basis(1)])


def test_a_zero_vector_scores_zero(make_index: IndexFactory) -> None:
    index = make_index(DIMENSION)
    index.add("empty", [0.0] * DIMENSION)
    index.add("x", basis(0))
    assert index.search(basis(0), 2) == [("x", pytest.approx(1.0)), ("empty", 0.0)]


def test_numpy_and_pure_python_agree_on_random_input() -> None:
    pytest.importorskip("numpy")
    rows = random_unit_vectors(500, 32, seed=3)
    ids = [f"m{i}" for i in range(500)]
    fast, reference = BruteForceIndex(32, use_numpy=True), BruteForceIndex(32, use_numpy=False)
    fast.build(ids, rows)
    reference.build(ids, rows)
    for query in random_unit_vectors(20, 32, seed=4):
        for allowed in (None, lambda id: id.endswith("3")):
            got, want = fast.search(query, 10, allowed), reference.search(query, 10, allowed)
            assert [id for id, _ in got] == [id for id, _ in want]
            assert all(abs(a - b) < 1e-5 for (_, a), (_, b) in zip(got, want, strict=True))


def test_hnsw_recall_at_10_is_at_least_095_on_5k_random_vectors() -> None:
    np = pytest.importorskip("numpy")
    pytest.importorskip("usearch")
    rng = np.random.default_rng(5)
    data = rng.standard_normal((5_100, 384)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    vectors, queries = data[:5_000], data[5_000:]
    ids = [str(i) for i in range(5_000)]
    hnsw, exact = HnswIndex(384), BruteForceIndex(384)
    hnsw.build(ids, vectors)
    exact.build(ids, vectors)
    found = 0
    for query in queries:
        truth = {id for id, _ in exact.search(query, 10)}
        found += len(truth & {id for id, _ in hnsw.search(query, 10)})
    assert found / (10 * len(queries)) >= 0.95


def test_hnsw_filtered_search_falls_back_to_exact_for_rare_matches() -> None:
    np = pytest.importorskip("numpy")
    pytest.importorskip("usearch")
    rng = np.random.default_rng(6)
    data = rng.standard_normal((5_000, 64)).astype(np.float32)
    ids = [str(i) for i in range(5_000)]
    hnsw, exact = HnswIndex(64), BruteForceIndex(64)
    hnsw.build(ids, data)
    exact.build(ids, data)

    def rare(id: str) -> bool:
        return int(id) % 250 == 0  # 20 of 5000

    assert [id for id, _ in hnsw.search(data[1], 10, rare)] == [id for id, _ in exact.search(data[1], 10, rare)]
    half = hnsw.search(data[1], 10, lambda id: int(id) % 2 == 1)  # answered from the graph walk, no exact scan
    assert len(half) == 10
    assert all(int(id) % 2 == 1 for id, _ in half)
    assert half[0][0] == "1"


def test_default_index_honours_zerog_vector_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INDEX_ENV, "brute")
    assert isinstance(default_index(4), BruteForceIndex)
    monkeypatch.setenv(INDEX_ENV, "faiss")
    with pytest.raises(ConfigError):
        default_index(4)


def test_default_index_is_hnsw_when_the_ai_extra_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("usearch")
    monkeypatch.delenv(INDEX_ENV, raising=False)
    assert isinstance(default_index(4), HnswIndex)
