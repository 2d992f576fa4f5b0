"""zerog's optional native core, built from `_keccak.c` at install; `zerog.crypto.keccak` falls back to Python."""
