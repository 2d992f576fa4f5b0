"""Ethereum addresses: 20 bytes, shown in EIP-55 mixed-case checksum form."""

from zerog.crypto.keccak import keccak256
from zerog.errors import InvalidInput
from zerog.spec.types import parse_fixed_bytes

__all__ = ["bytes_to_address", "to_checksum_address"]


def to_checksum_address(address: bytes) -> str:
    """EIP-55: uppercase each hex letter whose nibble in keccak(lowercase hex) is >= 8."""
    if len(address) != 20:
        raise InvalidInput(f"an address is 20 bytes, got {len(address)}")
    text = address.hex()
    digest = keccak256(text.encode()).hex()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(text, digest, strict=False))


def bytes_to_address(value: str | bytes) -> bytes:
    """Validate an address given as 20 bytes or 0x-hex (any case) and return its bytes."""
    return parse_fixed_bytes(value, 20, "an address")
