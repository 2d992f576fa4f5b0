"""The `{lemma, path}` JSON form of a Merkle proof, as zgs_* RPCs send it: 0x-hex hashes and booleans."""

from typing import Any

from zerog.crypto.merkle import MerkleProof
from zerog.errors import InvalidInput

__all__ = ["parse_proof_bytes", "parse_proof_json", "proof_to_bytes", "proof_to_json"]


def proof_to_json(proof: MerkleProof) -> dict[str, list[Any]]:
    """`{"lemma": ["0x..."], "path": [true, ...]}`."""
    return {"lemma": ["0x" + node.hex() for node in proof.lemma], "path": list(proof.path)}


def parse_proof_json(value: object) -> MerkleProof:
    """Validate untrusted proof JSON into a `MerkleProof` (shape only; `verify_proof` checks the maths)."""
    if not isinstance(value, dict) or set(value) != {"lemma", "path"}:
        raise InvalidInput("a proof is an object with exactly 'lemma' and 'path'")
    lemma, path = value["lemma"], value["path"]
    if not isinstance(lemma, list) or not isinstance(path, list):
        raise InvalidInput("proof lemma and path are lists")
    if not all(isinstance(step, bool) for step in path):
        raise InvalidInput("proof path holds booleans")
    nodes = []
    for node in lemma:
        if not isinstance(node, str) or not node.startswith("0x") or len(node) != 66:
            raise InvalidInput(f"proof lemma entries are 32-byte 0x-hex hashes, got {node!r}")
        try:
            nodes.append(bytes.fromhex(node[2:]))
        except ValueError as exc:
            raise InvalidInput(f"proof lemma entry is not hex: {node!r}") from exc
    return MerkleProof(tuple(nodes), tuple(path))


def proof_to_bytes(proof: MerkleProof) -> bytes:
    """Compact binary form: path length (1 byte), one byte per path flag, then the lemma hashes."""
    return bytes([len(proof.path)]) + bytes(proof.path) + b"".join(proof.lemma)


def parse_proof_bytes(raw: bytes) -> MerkleProof:
    """Validate the compact binary form (shape only)."""
    if not raw:
        raise InvalidInput("an empty proof")
    count = raw[0]
    flags, body = raw[1 : 1 + count], raw[1 + count :]
    if len(flags) != count or any(flag > 1 for flag in flags) or len(body) % 32:
        raise InvalidInput("malformed binary proof")
    return MerkleProof(tuple(body[i : i + 32] for i in range(0, len(body), 32)), tuple(bool(f) for f in flags))
