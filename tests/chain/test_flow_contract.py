"""The Flow and market contracts on a real anvil: 0G's ABIs and event, validity, fees, the flow tree, epochs."""

import pytest
from eth_abi.abi import encode as abi_encode

from tests.vectors import load_vectors
from zerog.chain import SUBMIT_EVENT_TOPIC, FlowContract, TxSender, load_artifact
from zerog.chain.contracts import BATCH_SUBMIT_SIGNATURE, LEGACY_SUBMIT_SIGNATURE, SUBMIT_SIGNATURE
from zerog.codec import Submission, SubmissionNode, build_submission
from zerog.codec.address import bytes_to_address
from zerog.crypto import FlowTree, build_file_tree, keccak256
from zerog.errors import TransactionReverted
from zerog.testing import LocalChain, random_bytes

pytestmark = pytest.mark.chain


def _submission(size: int, seed: int, sender: TxSender) -> Submission:
    tree = build_file_tree(random_bytes(size, seed), keep_segment_roots=False)
    return build_submission(tree, submitter=bytes_to_address(sender.address))


@pytest.fixture(scope="module")
def flow_model(local_chain: LocalChain) -> FlowTree:
    """A Python flow tree kept in step with the module's chain, submission by submission."""
    return FlowTree()


def _submit(chain: LocalChain, model: FlowTree, submission: Submission, **kwargs: object) -> int:
    result = chain.flow.submit(chain.sender, submission, **kwargs)  # type: ignore[arg-type]
    (event,) = result.events
    assert event.start_sector == model.append_entry([(n.height, n.root) for n in submission.nodes])
    return event.tx_seq


def test_abi_selectors_and_event_topic_match_0g() -> None:
    abi = load_vectors()["abi"]
    ids = {v: k for k, v in load_artifact_ids("Flow").items()}
    assert ids[abi["submit"]] == SUBMIT_SIGNATURE
    assert ids[abi["submit_legacy"]] == LEGACY_SUBMIT_SIGNATURE
    assert ids[abi["batch_submit"]] == BATCH_SUBMIT_SIGNATURE
    assert ids[abi["batch_submit_legacy"]] == "batchSubmit((uint256,bytes,(bytes32,uint256)[])[])"
    assert ids[abi["market"]] == "market()"
    assert load_artifact_ids("FixedPriceMarket")["pricePerSector()"] == abi["price_per_sector"]
    assert SUBMIT_EVENT_TOPIC.startswith("0x" + abi["submit_event_topic0_prefix"])
    assert SUBMIT_EVENT_TOPIC.endswith(abi["submit_event_topic0_suffix"])


def load_artifact_ids(name: str) -> dict[str, str]:
    return {
        f"{item['name']}({','.join(_type(i) for i in item['inputs'])})": keccak256(
            f"{item['name']}({','.join(_type(i) for i in item['inputs'])})".encode()
        )[:4].hex()
        for item in load_artifact(name).abi
        if item["type"] == "function"
    }


def _type(arg: dict[str, object]) -> str:
    kind = str(arg["type"])
    if kind.startswith("tuple"):
        components = arg["components"]
        assert isinstance(components, list)
        return "(" + ",".join(_type(c) for c in components) + ")" + kind[5:]
    return kind


def test_tx_seq_counts_from_zero_and_roots_match_the_python_flow_tree(
    local_chain: LocalChain, flow_model: FlowTree
) -> None:
    sizes = [1, 1000, 4097, 300_000, 5, 524_289, 17 * 256 + 1]
    for seed, size in enumerate(sizes):
        submission = _submission(size, seed, local_chain.sender)
        tx_seq = _submit(local_chain, flow_model, submission, legacy=seed % 2 == 1)
        assert tx_seq == seed
        assert local_chain.flow.flow_root_by_tx_seq(tx_seq) == flow_model.root()
        assert local_chain.flow.tree() == (flow_model.length, flow_model.root())
    assert local_chain.flow.submission_count() == len(sizes)


def test_submit_event_carries_0g_fields(local_chain: LocalChain, flow_model: FlowTree) -> None:
    submission = _submission(70_000, 99, local_chain.sender)
    result = local_chain.flow.submit(local_chain.sender, submission)
    (event,) = result.events
    flow_model.append_entry([(n.height, n.root) for n in submission.nodes])
    assert event.sender == local_chain.sender.address
    assert event.identity == submission.compute_digest()
    assert event.sectors == submission.sectors
    assert event.submission == Submission(submission.length, b"", submission.nodes)
    # The same event read back from the chain in bounded ranges, one block per request.
    events = local_chain.flow.get_submit_events(result.receipt.block_number, result.receipt.block_number, page_size=1)
    assert events == [event]


def test_batch_submit_appends_in_order(local_chain: LocalChain, flow_model: FlowTree) -> None:
    first = local_chain.flow.submission_count()
    submissions = [_submission(size, 200 + size, local_chain.sender) for size in (10, 300_000, 2000)]
    result = local_chain.flow.batch_submit(local_chain.sender, submissions)
    assert [e.tx_seq for e in result.events] == [first, first + 1, first + 2]
    for event, submission in zip(result.events, submissions, strict=True):
        assert event.start_sector == flow_model.append_entry([(n.height, n.root) for n in submission.nodes])
    assert local_chain.flow.tree()[1] == flow_model.root()


def test_fee_goes_to_the_market_and_excess_is_refunded(local_chain: LocalChain, flow_model: FlowTree) -> None:
    w3, sender = local_chain.w3, local_chain.sender
    submission = _submission(5000, 7, sender)
    price = local_chain.market.price_per_sector()
    fee = submission.compute_fee(price)
    reward = local_chain.market.contract.functions.reward().call()
    market_before = w3.eth.get_balance(local_chain.market.address)
    reward_before = w3.eth.get_balance(reward)
    sender_before = w3.eth.get_balance(sender.account.address)
    result = local_chain.flow.submit(sender, submission, value=fee * 3)
    flow_model.append_entry([(n.height, n.root) for n in submission.nodes])
    gas_cost = result.receipt.gas_used * w3.eth.get_transaction_receipt(result.receipt.tx_hash)["effectiveGasPrice"]
    # The market passes each fee on to the reward pool the deployment wired it to.
    assert w3.eth.get_balance(local_chain.market.address) == market_before
    assert w3.eth.get_balance(reward) - reward_before == fee
    assert local_chain.market.total_fees() >= fee
    assert sender_before - w3.eth.get_balance(sender.account.address) == fee + gas_cost
    assert w3.eth.get_balance(local_chain.flow.address) == 0


def test_underpaid_submit_reverts_with_not_enough_fee(local_chain: LocalChain) -> None:
    submission = _submission(4097, 8, local_chain.sender)
    price = local_chain.market.price_per_sector()
    with pytest.raises(TransactionReverted) as failure:
        local_chain.flow.submit(local_chain.sender, submission, value=submission.compute_fee(price) - 1)
    assert failure.value.reason == f"NotEnoughFee(price={price}, amount=18, paid={18 * price - 1})"


@pytest.mark.parametrize(
    ("length", "heights"),
    [(4097, [5]), (4097, [4, 4]), (4097, [8, 4]), (1, [1]), (300_000, [10])],
    ids=["over-padded", "equal-heights", "span-too-wide", "one-byte-two-sectors", "too-small"],
)
def test_wrongly_padded_submission_reverts(local_chain: LocalChain, length: int, heights: list[int]) -> None:
    bad = Submission(length, b"", tuple(SubmissionNode(keccak256(bytes([h])), h) for h in heights))
    call = local_chain.flow.contract.get_function_by_signature(SUBMIT_SIGNATURE)(bad.to_abi())
    with pytest.raises(TransactionReverted) as failure:
        local_chain.sender.send(call, value=10**18)
    assert failure.value.reason == "Invalid submission"


def test_empty_submission_reverts(local_chain: LocalChain) -> None:
    call = local_chain.flow.contract.get_function_by_signature(LEGACY_SUBMIT_SIGNATURE)((0, b"", []))
    with pytest.raises(TransactionReverted, match="Invalid submission"):
        local_chain.sender.send(call, value=0)


def test_market_price_is_governed_by_the_admin_role(local_chain: LocalChain, flow_model: FlowTree) -> None:
    market, outsider = local_chain.market, local_chain.sender_for(3)
    assert local_chain.flow.market_address() == market.address
    with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount"):
        market.set_price_per_sector(outsider, 1)
    old = market.price_per_sector()
    market.set_price_per_sector(local_chain.sender, old * 2)
    submission = _submission(300, 9, outsider)
    result = local_chain.flow.submit(outsider, submission)
    flow_model.append_entry([(n.height, n.root) for n in submission.nodes])
    assert result.fee == submission.sectors * old * 2
    market.set_price_per_sector(local_chain.sender, old)


def test_pause_stops_submissions(local_chain: LocalChain) -> None:
    flow, admin = local_chain.flow, local_chain.sender
    with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount"):
        local_chain.sender_for(2).send(flow.contract.functions.pause())
    admin.send(flow.contract.functions.pause())
    try:
        with pytest.raises(TransactionReverted, match="EnforcedPause"):
            flow.submit(admin, _submission(10, 10, admin))
    finally:
        admin.send(flow.contract.functions.unpause())


def test_market_only_takes_fees_from_its_flow(local_chain: LocalChain) -> None:
    with pytest.raises(TransactionReverted, match="OnlyFlow"):
        local_chain.sender.send(local_chain.market.contract.functions.chargeFee(1, 1, 0), value=1)
    with pytest.raises(TransactionReverted, match="FlowAlreadySet"):
        local_chain.sender.send(local_chain.market.contract.functions.setFlow(local_chain.sender.address))


def test_epochs_snapshot_the_flow_into_a_mining_context(local_chain: LocalChain, flow_model: FlowTree) -> None:
    w3, flow = local_chain.w3, local_chain.flow
    blocks_per_epoch = local_chain.deploy_config.blocks_per_epoch
    w3.provider.make_request("anvil_mine", [blocks_per_epoch * 2 + 1])  # type: ignore[arg-type]
    local_chain.sender.send(flow.contract.functions.makeContext())
    context = flow.context()
    assert context.epoch >= 2
    assert (context.flow_length, context.flow_root) == (flow_model.length, flow_model.root())
    block_hash = bytes(w3.eth.get_block(context.mine_start)["hash"])
    assert context.block_digest == block_hash
    expected = keccak256(
        abi_encode(["bytes32", "bytes32", "uint256"], [block_hash, context.flow_root, context.flow_length])
    )
    assert context.digest == expected
    start, end = flow.contract.functions.getEpochRange(context.digest).call()
    assert end == context.flow_length
    assert start <= end
    assert flow.contract.functions.getEpochFlowRoot(context.epoch - 1).call() == context.flow_root
    logs = w3.eth.get_logs({"address": flow.address, "fromBlock": 0, "toBlock": "latest"})
    assert any(
        log["topics"][0] == keccak256(b"NewEpoch(address,uint256,bytes32,uint256,uint256,bytes32)") for log in logs
    )


def test_flow_binding_refuses_an_address_without_code(local_chain: LocalChain) -> None:
    from zerog.errors import NotFound

    with pytest.raises(NotFound):
        FlowContract(local_chain.w3, local_chain.accounts[5][0]).require_code()
