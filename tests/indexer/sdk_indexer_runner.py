"""Runs inside the official 0G Python SDK's virtualenv (.venv-sdk); never imported by zerog's tests.

sdk_indexer_runner.py INDEXER_URL ROOT OUT_PATH
  -> one JSON line: what the SDK's `core.indexer.Indexer` saw and did against a zerog indexer.
"""

import contextlib
import io
import json
import sys
from typing import Any


def main() -> None:
    url, root, out = sys.argv[1:4]
    from core.indexer import Indexer

    indexer = Indexer(url)
    report: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):  # the SDK prints progress; stdout carries our JSON
        nodes = indexer.get_sharded_nodes()
        report["trusted"] = [(n["url"], n["config"]["shardId"], n["config"]["numShard"]) for n in nodes["trusted"]]
        report["discovered"] = nodes["discovered"]
        clients, err = indexer.select_nodes(1)
        report["selected"] = [c.url for c in clients]
        report["select_error"] = None if err is None else str(err)
        report["locations"] = [n["url"] for n in indexer.get_file_locations(root) or []]
        report["node_locations"] = indexer.get_node_locations()
        error = indexer.download(root, out)
        report["download_error"] = None if error is None else str(error)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
