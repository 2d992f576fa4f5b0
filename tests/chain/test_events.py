import pytest

from zerog.chain import EventFollower, block_ranges
from zerog.chain.contracts import SUBMIT_EVENT_TOPIC
from zerog.codec import build_submission
from zerog.crypto import build_file_tree
from zerog.errors import InvalidInput
from zerog.testing import LocalChain


def test_block_ranges_are_bounded_and_cover_everything() -> None:
    assert list(block_ranges(0, 9, 4)) == [(0, 3), (4, 7), (8, 9)]
    assert list(block_ranges(5, 4, 4)) == []
    with pytest.raises(InvalidInput):
        list(block_ranges(0, 1, 0))


@pytest.mark.chain
def test_follower_reads_new_logs_once_and_honours_confirmations(local_chain: LocalChain) -> None:
    flow = local_chain.flow
    follower = EventFollower(local_chain.w3, flow.address, [SUBMIT_EVENT_TOPIC], page_size=2, confirmations=2)
    assert follower.poll() == []
    submission = build_submission(build_file_tree(b"follow me"))
    flow.submit(local_chain.sender, submission)
    assert follower.poll() == []  # not yet 2 blocks deep
    local_chain.w3.provider.make_request("anvil_mine", [2])  # type: ignore[arg-type]
    logs = follower.poll()
    assert [e.submission.nodes for e in flow.parse_submit_events(logs)] == [submission.nodes]
    assert follower.poll() == []
