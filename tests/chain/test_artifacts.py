"""The committed contract artifacts must be what the Solidity sources compile to."""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from zerog.chain import load_artifact
from zerog.errors import NotFound

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "src" / "zerog" / "chain" / "artifacts"


def test_manifest_hashes_match_the_sources() -> None:
    manifest = json.loads((ARTIFACTS / "_manifest.json").read_text())
    sources = {
        path.relative_to(ROOT / "contracts").as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (ROOT / "contracts").rglob("*.sol")
    }
    assert manifest["sources"] == sources, "contracts/ changed since the artifacts were built: run 'make contracts'"
    assert manifest["settings"]["evmVersion"] == "prague"
    assert manifest["settings"]["optimizer"]["enabled"] is True


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to recompile")
def test_a_fresh_compile_reproduces_the_artifacts() -> None:
    result = subprocess.run(
        ["node", "contracts/compile.mjs", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_load_artifact() -> None:
    flow = load_artifact("Flow")
    assert flow.bytecode.startswith("0x6")
    assert any(item.get("name") == "submit" for item in flow.abi)
    with pytest.raises(NotFound):
        load_artifact("NoSuchContract")
