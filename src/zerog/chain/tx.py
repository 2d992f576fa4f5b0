"""Sending transactions from a local key: estimate (which surfaces reverts early), sign, send, wait.

Every failure becomes a zerog error with the reason decoded: `TransactionReverted` carries the Solidity error
(custom errors are decoded against the contract ABI), `InsufficientFunds` an underfunded sender, `Unavailable` a
dead RPC.
"""

from dataclasses import dataclass
from typing import Any, cast

import requests
from eth_abi.abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted, Web3RPCError
from web3.types import TxParams

from zerog.crypto.keccak import keccak256
from zerog.errors import ChainError, InsufficientFunds, InvalidInput, TransactionReverted, Unavailable

__all__ = ["Receipt", "TxSender", "decode_revert", "load_account"]


def load_account(private_key: str) -> LocalAccount:
    """A signing account from a 0x-hex private key."""
    try:
        account: LocalAccount = Account.from_key(private_key)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("a private key is 32 bytes of hex") from exc
    return account


@dataclass(frozen=True, slots=True)
class Receipt:
    """A mined, successful transaction."""

    tx_hash: str
    block_number: int
    gas_used: int
    logs: list[Any]
    """Raw receipt logs; bindings decode the events they know."""
    contract_address: str | None = None
    """The new contract, for a deployment."""


def decode_revert(data: str | bytes, abi: list[dict[str, Any]]) -> str:
    """Readable text for revert data: Error(string), Panic(uint256) or a custom error of `abi`."""
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else data
    if len(raw) < 4:
        return "reverted without a reason"
    selector, payload = raw[:4], raw[4:]
    errors: list[dict[str, Any]] = [
        {"name": "Error", "inputs": [{"name": "", "type": "string"}]},
        {"name": "Panic", "inputs": [{"name": "code", "type": "uint256"}]},
        *(item for item in abi if item.get("type") == "error"),
    ]
    for error in errors:
        types = [_abi_type(arg) for arg in error["inputs"]]
        if keccak256(f"{error['name']}({','.join(types)})".encode())[:4] != selector:
            continue
        try:
            values = abi_decode(types, payload)
        except Exception:
            break
        if error["name"] == "Error":
            return str(values[0])
        args = ", ".join(
            f"{arg['name'] or i}={_show(value)}"
            for i, (arg, value) in enumerate(zip(error["inputs"], values, strict=True))
        )
        return f"{error['name']}({args})"
    return f"reverted with unknown error data 0x{raw.hex()}"


def _show(value: Any) -> str:
    """An error argument as a person reads it: bytes as 0x-hex."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _abi_type(arg: dict[str, Any]) -> str:
    kind: str = arg["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in arg["components"]) + ")" + kind[5:]
    return kind


GAS_HEADROOM = 50_000
"""Gas added to every estimate (beside 25% more)."""


class TxSender:
    """Signs and sends transactions for one account, waiting for each receipt."""

    def __init__(self, w3: Web3, account: LocalAccount, *, receipt_timeout_s: float = 120.0) -> None:
        self.w3 = w3
        self.account = account
        self.receipt_timeout_s = receipt_timeout_s

    @property
    def address(self) -> str:
        return str(self.account.address)

    def send(
        self,
        call: ContractFunction | ContractConstructor,
        *,
        value: int = 0,
        gas: int | None = None,
        extra_gas: int = 0,
    ) -> Receipt:
        """Send `call` as a transaction and wait until it is mined; raise with the decoded reason on failure.

        `extra_gas` is added to the estimate, for work the tx may have to do if the chain moves on before it is
        mined (a DA call that makes the next epoch once its first block has passed)."""
        abi = [dict(item) for item in (call.contract_abi if isinstance(call, ContractFunction) else call.abi)]
        params: dict[str, Any] = {
            "from": self.address,
            "value": value,
            "nonce": self._rpc(lambda: self.w3.eth.get_transaction_count(self.account.address, "pending"), abi),
            "chainId": self._rpc(lambda: self.w3.eth.chain_id, abi),
        }
        if gas is None:
            # Estimate against the pending block, where the tx will run: it may do more work than it would in the
            # latest one (a Flow.submit that also closes a mining epoch). Leave headroom for a block passing by in
            # between; unused gas is not charged.
            estimate = self._rpc(
                lambda: call.estimate_gas(cast(TxParams, {"from": self.address, "value": value}), "pending"), abi
            )  # reverts surface here
            gas = int(estimate) * 5 // 4 + GAS_HEADROOM + extra_gas
        params["gas"] = gas
        tx = self._rpc(lambda: call.build_transaction(cast(TxParams, params)), abi)
        signed = self.account.sign_transaction(tx)
        tx_hash = self._rpc(lambda: self.w3.eth.send_raw_transaction(signed.raw_transaction), abi)
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout_s)
        except TimeExhausted as exc:
            raise ChainError(f"transaction {tx_hash.to_0x_hex()} not mined within {self.receipt_timeout_s}s") from exc
        if receipt["status"] != 1:
            raise TransactionReverted(f"transaction {tx_hash.to_0x_hex()} reverted", self._replay_reason(tx, receipt))
        created = receipt.get("contractAddress")
        return Receipt(
            tx_hash.to_0x_hex(),
            receipt["blockNumber"],
            receipt["gasUsed"],
            list(receipt["logs"]),
            str(created) if created else None,
        )

    def _replay_reason(self, tx: dict[str, Any], receipt: Any) -> str:
        if int(receipt["gasUsed"]) >= int(tx["gas"]):
            return f"out of gas (limit {int(tx['gas'])}: the chain moved on between the estimate and the block)"
        try:
            replay = cast(TxParams, {k: tx[k] for k in ("from", "to", "data", "value") if k in tx})
            self.w3.eth.call(replay, receipt["blockNumber"] - 1)
        except ContractCustomError as exc:
            return str(exc.data)
        except ContractLogicError as exc:
            return str(exc.message)
        except (Web3RPCError, ValueError) as exc:
            return str(exc)
        return "reverted on chain (the replay did not revert)"

    def _rpc(self, action: Any, abi: list[dict[str, Any]]) -> Any:
        """Run one RPC action, mapping foreign errors to zerog's."""
        try:
            return action()
        except ContractCustomError as exc:
            reason = decode_revert(str(exc.data), abi)
            raise TransactionReverted(f"the contract rejected the call: {reason}", reason) from exc
        except ContractLogicError as exc:
            reason = decode_revert(exc.data, abi) if isinstance(exc.data, str) else str(exc.message)
            raise TransactionReverted(f"the contract rejected the call: {reason}", reason) from exc
        except (requests.exceptions.RequestException, OSError) as exc:
            raise Unavailable(f"the chain RPC stopped answering: {exc}") from exc
        except (Web3RPCError, ValueError) as exc:
            text = str(exc)
            if "insufficient funds" in text.lower():
                balance = self.w3.eth.get_balance(self.account.address)
                raise InsufficientFunds(
                    f"{self.address} cannot pay for this transaction (balance {balance} wei is below value + gas)"
                ) from exc
            raise ChainError(f"the chain refused the transaction: {text}") from exc
