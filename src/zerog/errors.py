"""The one exception tree of zerog. Foreign errors are translated at the boundary with `raise ... from exc`."""


class ZerogError(Exception):
    """Base of every error zerog raises on purpose."""


class InvalidInput(ZerogError, ValueError):
    """Input that breaks a protocol rule: bad sizes, malformed bytes, out-of-range indices."""


class InvalidProof(ZerogError):
    """A Merkle proof, signature or other proof did not verify."""


class NotFound(ZerogError):
    """The requested object (file, tx, contract, devnet) does not exist."""


class ChainError(ZerogError):
    """The chain refused or failed a call: a revert, an unreachable RPC, a missing contract."""


class TransactionReverted(ChainError):
    """A transaction was mined but reverted, or its simulation reverted; `reason` names the error."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class InsufficientFunds(ChainError):
    """The sender cannot pay for value plus gas."""


class Unavailable(ZerogError):
    """A service or process is not reachable, or failed to start."""


class ConfigError(ZerogError):
    """A configuration file or setting is missing or invalid."""
