"""Files as 0G log entries: compute a file's tree from disk in constant memory, and submit it to the Flow."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zerog.chain import FlowContract, SubmitResult, TxSender, connect, load_account
from zerog.codec import Submission, build_submission
from zerog.codec.address import bytes_to_address
from zerog.crypto import FileTree, FileTreeBuilder
from zerog.errors import InvalidInput, NotFound
from zerog.spec import BYTES_PER_SEGMENT

__all__ = ["SubmittedFile", "compute_file_tree", "submit_file"]

READ_SIZE_BYTES = 64 * BYTES_PER_SEGMENT  # 16 MiB per read: few syscalls, bounded memory

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes done, bytes total)."""


def compute_file_tree(
    path: Path, *, keep_segment_roots: bool = False, on_progress: ProgressCallback | None = None
) -> FileTree:
    """The 0G tree of the file at `path`, read in 16 MiB pieces."""
    if not path.exists():
        raise NotFound(f"no such file: {path}")
    if not path.is_file():
        raise InvalidInput(f"not a regular file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput(f"{path} is empty; 0G stores files of at least one byte")
    builder = FileTreeBuilder(size, keep_segment_roots=keep_segment_roots)
    with path.open("rb") as stream:
        while piece := stream.read(READ_SIZE_BYTES):
            builder.update(piece)
            if on_progress:
                on_progress(builder.bytes_received, size)
    if builder.bytes_received != size:
        raise InvalidInput(f"{path} changed size while it was read")
    return builder.finish()


@dataclass(frozen=True, slots=True)
class SubmittedFile:
    """A file appended to the log."""

    tree: FileTree
    submission: Submission
    result: SubmitResult

    @property
    def tx_seq(self) -> int:
        return self.result.events[0].tx_seq


def submit_file(
    path: Path,
    *,
    rpc_url: str,
    private_key: str,
    flow_address: str,
    tags: bytes = b"",
    on_progress: ProgressCallback | None = None,
) -> SubmittedFile:
    """Compute the file's submission and send `Flow.submit` with the market fee; returns its tx seq and receipt."""
    tree = compute_file_tree(path, on_progress=on_progress)
    account = load_account(private_key)
    submission = build_submission(tree, tags=tags, submitter=bytes_to_address(account.address))
    w3 = connect(rpc_url)
    flow = FlowContract(w3, flow_address)
    flow.require_code()
    result = flow.submit(TxSender(w3, account), submission)
    if not result.events:
        raise NotFound("the submit transaction emitted no Submit event")
    return SubmittedFile(tree, submission, result)
