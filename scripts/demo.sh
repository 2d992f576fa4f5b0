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
field() { python3 -c "import json,sys; d=json.load(open('$ZEROG_DEVNET_DIR/devnet.json')); print($1)"; }
cleanup() {
  zerog devnet down >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say "1. A local network: anvil (Prague) with the Flow and market contracts, 4 storage nodes and an indexer"
echo "storage nodes: two full copies, one for each half of the flow (shards 0/2 and 1/2); all on 127.0.0.1"
run zerog devnet up --port "$PORT" --fresh

say "2. A 0G file root, computed segment by segment in constant memory"
python3 -c "import random; random.seed(7); open('$WORK/dataset.bin','wb').write(random.randbytes(3*1024*1024+17))"
echo "a 3 MiB + 17 B file: 12289 chunks of 256 B, flow-padded to 13312, submitted as subtrees of 8192 + 4096 + 1024 chunks"
run zerog file root "$WORK/dataset.bin" --json

say "3. Upload it with 2 replicas spread over the sharded nodes (fee from the market, one Flow.submit, proofs per segment)"
run zerog upload "$WORK/dataset.bin" --replicas 2 --method max
ROOT="$(zerog file root "$WORK/dataset.bin")"

say "4. Download it through the indexer: every segment is verified against the root"
run zerog download "$ROOT" -o "$WORK/copy.bin"
cmp "$WORK/dataset.bin" "$WORK/copy.bin" && echo "byte-identical"

say "5. Failover: damage what the shard 1/2 node stores (a failing disk), restart it, download naming it first"
HALF1_PID="$(field "[n['pid'] for n in d['storage_nodes'] if n['shard']=='1/2'][0]")"
HALF1_URL="$(field "[n['url'] for n in d['storage_nodes'] if n['shard']=='1/2'][0]")"
HALF1_DB="$(field "[n['config'] for n in d['storage_nodes'] if n['shard']=='1/2'][0]" | xargs dirname)/db"
run kill "$HALF1_PID"
while kill -0 "$HALF1_PID" 2>/dev/null; do sleep 0.1; done
python3 -c "from zerog.testing.faults import corrupt_stored_segments as c; from pathlib import Path; \
print('flipped a byte in', c(Path('$HALF1_DB'), 0), 'stored segments of tx 0')"
zerog devnet up --port "$PORT" > /dev/null
echo "it serves bad bytes now; every segment is checked against the root, so the client skips it for a good node"
echo "(0G's own client has no such failover: 0g-storage-client #151)"
run zerog download "$ROOT" -o "$WORK/copy2.bin" --node "$HALF1_URL" --node "$(field "d['storage_nodes'][0]['url']")"
cmp "$WORK/dataset.bin" "$WORK/copy2.bin" && echo "byte-identical again"

say "6. The indexer's REST gateway streams a verified download too"
GATEWAY="$(field "d['indexer'][0]['url']")"
echo "GET $GATEWAY/file/info/$ROOT"
python3 -c "import urllib.request,json; print(json.dumps(json.load(urllib.request.urlopen('$GATEWAY/file/info/$ROOT')), indent=1)[:600])"
python3 -c "import urllib.request; open('$WORK/copy3.bin','wb').write(urllib.request.urlopen('$GATEWAY/file?root=$ROOT').read())"
cmp "$WORK/dataset.bin" "$WORK/copy3.bin" && echo "GET $GATEWAY/file?root=... is byte-identical"

say "7. Encrypted upload (0G's v1 format, AES-256-CTR): the nodes only ever see ciphertext"
KEY=0x$(python3 -c "print('42'*32)")
printf 'a private note for an AI agent\n' > "$WORK/note.txt"
printf '\033[2m$ zerog upload %s --encrypt-key %s\033[0m\n' "$WORK/note.txt" "$KEY"
zerog upload "$WORK/note.txt" --encrypt-key "$KEY" --json > "$WORK/note.json"
NOTE_ROOT="$(python3 -c "import json; print(json.load(open('$WORK/note.json'))['root'])")"
echo "root $NOTE_ROOT: 17-byte header (version 1, random nonce) + ciphertext"
run zerog download "$NOTE_ROOT" -o "$WORK/note.out" --encrypt-key "$KEY"
cat "$WORK/note.out"

say "8. Bad input gets one clear line and a non-zero exit"
run zerog upload "$WORK/missing.bin" || true
: > "$WORK/empty.bin"
run zerog file submit "$WORK/empty.bin" || true
run zerog download 0x1234 -o "$WORK/x" || true
run zerog file submit "$WORK/note.txt" --key 0x1111111111111111111111111111111111111111111111111111111111111111 || true

say "9. The devnet knows its log and its services"
run zerog devnet status

say "10. Stop it (chain state and node databases are kept for the next 'up')"
run zerog devnet down
echo
echo "Next: 'zerog devnet up' in any directory gives you your own devnet; 'zerog --help' lists every command."
