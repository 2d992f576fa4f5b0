"""The miner's sealed copy of the flow segments it mines, in `<db_dir>/mining/sealed.lmdb` (layout 1).

| database | key | value |
|---|---|---|
| `sealed` | flow segment (u64) | 64 x 32-byte context digests (one per 4 KiB seal), then the 256 KiB sealed segment |
| `meta` | `layout`, `miner_id` | u64; the 32-byte miner id the seals are for |

Seals depend on the miner id and on the context digest of the epoch that appended each seal's data, never on
later epochs, so a sealed segment stays valid until the data changes (a reorg drops it) or the miner id changes
(everything is dropped).
"""

from pathlib import Path

import lmdb

from zerog.errors import ConfigError
from zerog.spec import BYTES_PER_SEGMENT, SEALS_PER_SEGMENT

__all__ = ["SealedSegment", "SealedStore"]

LAYOUT_VERSION = 1
_DIGESTS = SEALS_PER_SEGMENT * 32

SealedSegment = tuple[bytes, list[bytes]]
"""(the sealed 256 KiB, the context digest of each of its 64 seals)."""


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


class SealedStore:
    """One writer (the sealer), any number of readers (the mining threads)."""

    def __init__(self, directory: Path, miner_id: bytes, *, map_size_bytes: int = 1 << 36) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.env = lmdb.open(str(directory / "sealed.lmdb"), map_size=map_size_bytes, max_dbs=2, readahead=False)
        except lmdb.Error as exc:
            raise ConfigError(f"cannot open the sealed store in {directory}: {exc}") from exc
        self._sealed = self.env.open_db(b"sealed")
        self._meta = self.env.open_db(b"meta")
        with self.env.begin(write=True) as txn:
            layout = txn.get(b"layout", db=self._meta)
            if layout is not None and int.from_bytes(layout, "big") != LAYOUT_VERSION:
                raise ConfigError(f"sealed store layout {int.from_bytes(layout, 'big')} is not {LAYOUT_VERSION}")
            txn.put(b"layout", _u64(LAYOUT_VERSION), db=self._meta)
            if txn.get(b"miner_id", db=self._meta) != miner_id:
                txn.drop(self._sealed, delete=False)  # sealed for another miner id: worthless now
                txn.put(b"miner_id", miner_id, db=self._meta)

    def close(self) -> None:
        self.env.close()

    def get(self, flow_segment: int) -> SealedSegment | None:
        with self.env.begin() as txn:
            raw = txn.get(_u64(flow_segment), db=self._sealed)
            if raw is None:
                return None
            value = bytes(raw)
        digests = [value[i : i + 32] for i in range(0, _DIGESTS, 32)]
        return value[_DIGESTS:], digests

    def get_seal(self, flow_segment: int) -> bytes | None:
        """Only the sealed bytes (what an iteration reads)."""
        with self.env.begin() as txn:
            raw = txn.get(_u64(flow_segment), db=self._sealed)
            return None if raw is None else bytes(raw[_DIGESTS:])

    def has(self, flow_segment: int) -> bool:
        with self.env.begin() as txn:
            return txn.get(_u64(flow_segment), db=self._sealed) is not None

    def put(self, flow_segment: int, sealed: bytes, digests: list[bytes]) -> None:
        if len(sealed) != BYTES_PER_SEGMENT or len(digests) != SEALS_PER_SEGMENT:
            raise ValueError("a sealed segment is 256 KiB with 64 context digests")
        with self.env.begin(write=True) as txn:
            txn.put(_u64(flow_segment), b"".join(digests) + sealed, db=self._sealed)

    def drop_from(self, flow_segment: int) -> int:
        """Forget every sealed segment from `flow_segment` on (a reorg cut the flow there); returns how many."""
        dropped = 0
        with self.env.begin(write=True) as txn:
            cursor = txn.cursor(db=self._sealed)
            if cursor.set_range(_u64(flow_segment)):
                while cursor.delete():
                    dropped += 1
        return dropped

    def drop_from_one(self, flow_segment: int) -> None:
        """Forget one sealed segment (its stored data turned out damaged)."""
        with self.env.begin(write=True) as txn:
            txn.delete(_u64(flow_segment), db=self._sealed)

    def count(self) -> int:
        with self.env.begin() as txn:
            return int(txn.stat(self._sealed)["entries"])
