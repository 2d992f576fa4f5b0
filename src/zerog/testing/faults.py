"""Faults for tests and the demo: damage what a stopped storage node holds, as a failing disk would."""

from pathlib import Path

from zerog.spec import BYTES_PER_SECTOR
from zerog.storage import FlowStore
from zerog.storage.types import TxRecord

__all__ = ["corrupt_stored_segments"]


def corrupt_stored_segments(db_dir: Path, tx_seq: int) -> int:
    """Flip one byte inside every segment of tx `tx_seq` the node holds; returns how many were damaged.

    The node must be stopped (LMDB allows one environment per process and we do not want to race its writer).
    """
    store = FlowStore(db_dir)
    try:
        tx: TxRecord | None = store.get_tx(tx_seq)
        if tx is None:
            return 0
        damaged = 0
        for index in store.stored_segments(tx_seq):
            flow_segment = tx.flow_segment(index)
            position = tx.sector_offset(index) * BYTES_PER_SECTOR + 7
            with store.env.begin(write=True) as txn:
                key = flow_segment.to_bytes(8, "big")
                value = txn.get(key, db=store._flow)
                if value is None:
                    continue
                broken = bytearray(value)
                broken[position] ^= 0xFF
                txn.put(key, bytes(broken), db=store._flow)
                damaged += 1
        return damaged
    finally:
        store.close()
