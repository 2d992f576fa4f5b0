"""zerog against the official 0G Python SDK (`0g-storage-sdk`, run from its own virtualenv).

- the SDK's file root and submission nodes equal zerog's for random files from 1 B to 5 MiB;
- zerog's Flow contract accepts the submission the SDK builds and sends, and its tx seq is the SDK's;
- a wrongly padded submission sent by the SDK is rejected.
"""

import json
import subprocess
from pathlib import Path

import pytest

from zerog.codec import build_submission
from zerog.crypto import build_file_tree
from zerog.testing import LocalChain, random_bytes

ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
RUNNER = Path(__file__).with_name("sdk_runner.py")

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not SDK_PYTHON.exists(), reason="the official SDK venv is missing: run 'make test'"),
]

SIZES = [1, 255, 256, 257, 4095, 4097, 262_143, 262_144, 262_145, 1_048_577, 2_621_440 + 333, 5 * 1024 * 1024]


def _sdk(*args: str, timeout: float = 300) -> object:
    result = subprocess.run(
        [str(SDK_PYTHON), str(RUNNER), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    directory = tmp_path_factory.mktemp("sdk-files")
    paths = []
    for seed, size in enumerate(SIZES):
        path = directory / f"f{seed}-{size}.bin"
        path.write_bytes(random_bytes(size, seed=1000 + seed))
        paths.append(path)
    return paths


@pytest.mark.slow
def test_sdk_roots_and_nodes_equal_zerogs(files: list[Path]) -> None:
    sdk = _sdk("roots", *map(str, files))
    assert isinstance(sdk, list)
    for path, theirs in zip(files, sdk, strict=True):
        ours = build_file_tree(path.read_bytes(), keep_segment_roots=False)
        assert theirs["root"] == "0x" + ours.root.hex(), path.name
        assert theirs["length"] == ours.size
        assert theirs["nodes"] == [[h, "0x" + r.hex()] for h, r in ours.nodes], path.name


@pytest.mark.slow
@pytest.mark.chain
def test_flow_accepts_what_the_sdk_submits_and_rejects_bad_padding(local_chain: LocalChain, files: list[Path]) -> None:
    key = local_chain.accounts[2][1]
    seqs = []
    for path in files[:1] + files[5:7] + files[-3:-2]:
        result = _sdk("submit", local_chain.rpc_url, local_chain.flow.address, key, str(path))
        assert isinstance(result, dict)
        assert result.get("status") == 1, result
        seqs.append(result["tx_seq"])
        (event,) = local_chain.flow.get_submit_events(local_chain.w3.eth.block_number, local_chain.w3.eth.block_number)
        assert event.tx_seq == result["tx_seq"]
        ours = build_submission(build_file_tree(path.read_bytes(), keep_segment_roots=False))
        assert event.submission.nodes == ours.nodes
        assert event.submission.length == ours.length
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))

    before = local_chain.flow.submission_count()
    bad = _sdk("submit", local_chain.rpc_url, local_chain.flow.address, key, str(files[6]), "--corrupt")
    assert isinstance(bad, dict)
    # The SDK falls back to a fixed gas limit when estimation fails, sends anyway, and sees the revert.
    assert "Transaction failed" in bad.get("error", ""), bad
    assert local_chain.flow.submission_count() == before
