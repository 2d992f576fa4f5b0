"""Run the real `zerog` command in a subprocess, as a user would."""

import os
import subprocess
import sys
from pathlib import Path


def zerog(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROG_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "zerog", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
