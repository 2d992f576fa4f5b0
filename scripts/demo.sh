#!/usr/bin/env bash
# The zerog demo: a local devnet, then every layer built so far, narrated. Run it with `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ZEROG_DEVNET_DIR="$PWD/.zerog/demo"   # the demo keeps its own devnet, apart from yours in .zerog/devnet
PORT="${ZEROG_DEMO_PORT:-8645}"
WORK="$(mktemp -d)"

say()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run()  { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
cleanup() {
  zerog devnet down >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say "1. A local chain: anvil (Prague) with zerog's Flow and market contracts deployed"
run zerog devnet up --port "$PORT" --fresh

say "2. A 0G file root, computed segment by segment in constant memory"
python3 -c "import random; random.seed(7); open('$WORK/dataset.bin','wb').write(random.randbytes(3*1024*1024+17))"
echo "a 3 MiB + 17 B file: 12289 chunks of 256 B, flow-padded to 13312, submitted as subtrees of 8192 + 4096 + 1024 chunks"
run zerog file root "$WORK/dataset.bin" --json

say "3. Append it to the on-chain log: the fee is read from the market, the tx seq from the Submit event"
run zerog file submit "$WORK/dataset.bin"
printf 'tiny\n' > "$WORK/note.txt"
run zerog file submit "$WORK/note.txt"

say "4. Bad input gets one clear line and a non-zero exit"
run zerog file submit "$WORK/missing.bin" || true
: > "$WORK/empty.bin"
run zerog file submit "$WORK/empty.bin" || true
run zerog file submit "$WORK/note.txt" --key 0x1111111111111111111111111111111111111111111111111111111111111111 || true

say "5. The devnet knows its log; devnet.json lists every address and URL"
run zerog devnet status

say "6. Stop it (its chain state is kept for the next 'up')"
run zerog devnet down
echo
echo "Next: 'zerog devnet up' in any directory gives you your own devnet; 'zerog --help' lists every command."
