import pytest

from zerog.errors import InvalidInput
from zerog.spec import ShardConfig, bytes_to_root


def test_shard_config_parses_0g_shard_position() -> None:
    shard = ShardConfig.parse("1/4")
    assert (shard.shard_id, shard.num_shard) == (1, 4)
    assert [s for s in range(12) if shard.holds_segment(s)] == [1, 5, 9]


@pytest.mark.parametrize("text", ["1/3", "4/4", "-1/2", "x/2", "1", "0/0"])
def test_shard_config_rejects_bad_positions(text: str) -> None:
    with pytest.raises(InvalidInput):
        ShardConfig.parse(text)


def test_bytes_to_root_accepts_hex_and_bytes() -> None:
    assert bytes_to_root("0x" + "ab" * 32) == b"\xab" * 32
    assert bytes_to_root(b"\x01" * 32) == b"\x01" * 32


@pytest.mark.parametrize("value", ["0x1234", "zz" * 32, b"\x00" * 31])
def test_bytes_to_root_rejects_malformed(value: str | bytes) -> None:
    with pytest.raises(InvalidInput):
        bytes_to_root(value)
