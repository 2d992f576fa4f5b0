from eth_abi.abi import encode as abi_encode

from zerog.chain import decode_revert, load_artifact
from zerog.crypto import keccak256


def _selector(signature: str) -> bytes:
    return keccak256(signature.encode())[:4]


def test_decodes_error_string() -> None:
    data = _selector("Error(string)") + abi_encode(["string"], ["Invalid submission"])
    assert decode_revert("0x" + data.hex(), []) == "Invalid submission"


def test_decodes_custom_error_with_named_arguments() -> None:
    data = _selector("NotEnoughFee(uint256,uint256,uint256)") + abi_encode(["uint256"] * 3, [5, 18, 89])
    assert decode_revert(data, load_artifact("Flow").abi) == "NotEnoughFee(price=5, amount=18, paid=89)"


def test_unknown_and_empty_revert_data() -> None:
    assert decode_revert("0x", []) == "reverted without a reason"
    assert "unknown error" in decode_revert("0xdeadbeef", [])
