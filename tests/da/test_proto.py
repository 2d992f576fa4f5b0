"""The committed gRPC stubs are what grpcio-tools generates from the committed .proto files (`make protos`)."""

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PROTO_DIR = SRC / "zerog" / "da" / "proto"


def test_stubs_are_fresh(tmp_path: Path) -> None:
    protos = sorted(PROTO_DIR.glob("*.proto"))
    assert protos
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{SRC}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            *map(str, protos),
        ],
        check=True,
    )
    generated = sorted((tmp_path / "zerog" / "da" / "proto").iterdir())
    assert [p.name for p in generated] == sorted(p.name for p in PROTO_DIR.glob("*_pb2*"))
    for path in generated:
        assert path.read_bytes() == (PROTO_DIR / path.name).read_bytes(), f"{path.name} is stale: run 'make protos'"
