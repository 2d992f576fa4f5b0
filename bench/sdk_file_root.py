"""Runs in the official SDK's virtualenv: time `ZgFile.merkle_tree()` on a file, print JSON {root, seconds}."""

import json
import sys
import time

from core.file import ZgFile


def main() -> None:
    path, runs = sys.argv[1], int(sys.argv[2])
    best, root = float("inf"), ""
    for _ in range(runs):
        start = time.perf_counter()
        file = ZgFile.from_file_path(path)
        tree, err = file.merkle_tree()
        elapsed = time.perf_counter() - start
        if err is not None:
            raise err
        root = tree.root_hash()
        file.close()
        best = min(best, elapsed)
    sys.stdout.write(json.dumps({"root": root, "seconds": best}) + "\n")


if __name__ == "__main__":
    main()
