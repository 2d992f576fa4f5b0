"""zerog: a decentralized AI operating system in the design of 0G.

Layers (see docs/architecture.md): the pure core (`zerog.spec`, `zerog.crypto`, `zerog.codec`), subsystems that
wrap it with chain, disk and sockets (`zerog.chain`, ...), and the assembly (`zerog.devnet`, `zerog.cli`).
"""

__version__ = "0.1.0"
