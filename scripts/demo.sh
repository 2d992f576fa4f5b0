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

say "1. A local network: anvil (Prague) with the storage, market, reward, PoRA and DA contracts, 4 mining storage nodes, an indexer, a KV node, 4 DA signers and a disperser"
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

say "9. Key-value streams on the log (0G's KV): every write is a StreamData upload the KV node replays in order"
printf '\033[2m$ %s\033[0m\n' 'zerog kv put notes greeting "hello from zerog" --json'
zerog kv put notes greeting "hello from zerog" --json | tee "$WORK/put.json"
FIRST="$(python3 -c "import json; print(json.load(open('$WORK/put.json'))['tx_seq'])")"
run zerog kv get notes greeting
run zerog kv put notes greeting "hello again"
echo "reads name the version they saw; older versions stay readable:"
run zerog kv get notes greeting --version "$FIRST"
run zerog kv put notes owner "account 0"
run zerog kv ls notes
echo "account 0 wrote first, so it is the stream's admin; account 1 may not write until granted (0G's ACLs):"
KEY1="$(field "d['accounts'][1]['private_key']")"
ADDR1="$(field "d['accounts'][1]['address']")"
run zerog kv put notes greeting "hijacked" --key "$KEY1" || true
run zerog kv grant notes "$ADDR1" --role writer
run zerog kv put notes greeting "hello from account 1" --key "$KEY1"
echo "optimistic concurrency: a write based on a stale version is refused"
run zerog kv put notes greeting "stale" --if-unchanged-since "$FIRST" || true

say "10. Agent memory: an agent remembers facts and recalls them by meaning, each with proof of where it came from"
for fact in "Alice is allergic to peanuts and shellfish" \
            "Alice's passport expires in March 2027" \
            "Bob always books a window seat on long flights" \
            "The team offsite is in Lisbon, the first week of June"; do
  run zerog memory remember travel-agent "$fact" --tag trip
done
echo "recall works on meaning (no shared keywords needed); MiniLM runs locally, no network:"
run zerog memory recall travel-agent "what can't Alice eat?" -k 2
run zerog memory recall travel-agent "where are we meeting this summer?" -k 1
zerog memory recall travel-agent "what can't Alice eat?" -k 1 --json > "$WORK/recall.json"
MEM_ID="$(python3 -c "import json; print(json.load(open('$WORK/recall.json'))['results'][0]['id'])")"
MEM_ROOT="$(python3 -c "import json; print(json.load(open('$WORK/recall.json'))['results'][0]['provenance']['dataRoot'])")"
echo "the provenance is checkable by anyone: fetch the log entry by its data root (verified) and decode it"
run zerog download "$MEM_ROOT" -o "$WORK/memory.bin"
python3 -c "
from zerog.codec.stream import parse_replayed_stream_data
data = parse_replayed_stream_data(open('$WORK/memory.bin','rb').read())
for w in data.writes: print('stream', '0x' + w.stream_id.hex()[:16] + '…', 'key', w.key.decode(), '->', w.data.decode())"
run zerog memory forget travel-agent "$MEM_ID" --reason "Alice asked us to delete it"
run zerog memory recall travel-agent "what can't Alice eat?" -k 1
run zerog memory history travel-agent "$MEM_ID"
echo "agent frameworks use it as MCP tools (stdio):"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"demo","version":"0"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
  '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"recall","arguments":{"query":"seat preferences","k":1}}}' \
  | zerog memory mcp --agent travel-agent | python3 -c "
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    result = msg.get('result', {})
    if 'serverInfo' in result: print('initialize ->', result['serverInfo'])
    if 'tools' in result: print('tools/list ->', [t['name'] for t in result['tools']])
    if 'content' in result: print('tools/call recall ->', json.loads(result['content'][0]['text'])['results'][0]['text'])"

say "11. Proof of Random Access: the storage nodes mine what they store, the PoraMine contract checks every answer"
echo "each node seals its segments for its miner id, searches nonces (native Blake2b/keccak on SIMD lanes) at 10% of"
echo "a core, proves the recalled 4 KiB against the epoch's flow root, and gets paid from the storage fees' reward pool"
python3 - <<'PY'
import json, subprocess, time
deadline = time.time() + 120
while time.time() < deadline:
    status = json.loads(subprocess.run(["zerog", "mining", "status", "--json"], capture_output=True, text=True).stdout)
    if sum(int(s.get("accepted", 0)) for s in status.values()) > 0:
        break
    time.sleep(2)
PY
run zerog mining status
echo "(storage-3's stored copy was damaged in step 5: a hit on it fails the flow-root check the node runs before"
echo " sending an answer, so it is dropped, never submitted: damaged data earns nothing)"

say "12. Data availability: a blob under KZG commitments, certified on chain by a stake-drawn quorum of BLS signers"
echo "4 DA signers (stakes 10/20/30/40 ETH) joined this epoch with BLS-as-VRF ballots; each owns quorum rows in"
echo "proportion. The disperser extends the blob with KZG cells (rate 1/2, 128 rows), sends each signer its rows, and"
echo "the DAEntrance contract checks the aggregate BLS signature (EIP-2537) and that signers own >= 75% of the rows"
python3 -c "import random; random.seed(12); open('$WORK/training-shard.bin','wb').write(random.randbytes(1024*1024))"
printf '\033[2m$ zerog da put %s --json\033[0m\n' "$WORK/training-shard.bin"
zerog da put "$WORK/training-shard.bin" --json | tee "$WORK/blob.json"
BLOB_ID="$(python3 -c "import json; print(json.load(open('$WORK/blob.json'))['blobId'])")"
echo "the certificate on chain (anyone can check it with the contract's commitmentExists):"
run zerog da status "$BLOB_ID"
echo "a light client samples random whole rows and checks each cell's KZG proof against the on-chain commitments"
echo "(0G has no light-client sampling): if the blob were unrecoverable, each sample would fail with probability > 1/2"
run zerog da sample "$BLOB_ID" --samples 20 --seed-from-certificate
VICTIM="$(python3 - "$BLOB_ID" <<'PY'
import json, os, sys
from collections import Counter
from zerog.chain import connect
from zerog.chain.da import DAEntranceContract
from zerog.da.retrieval import BlobRef
info = json.load(open(os.path.join(os.environ["ZEROG_DEVNET_DIR"], "devnet.json")))
blob = BlobRef.parse(sys.argv[1])
registry = DAEntranceContract(connect(info["rpc_url"]), info["contracts"]["DAEntrance"]).signer_registry()
owners = [o.lower() for o in registry.get_quorum(blob.epoch, blob.quorum_id)]
rows = Counter(owners)
# the signer holding the most of the data rows 0..63 whose loss still leaves 64 rows: recovery must decode
systematic = Counter(owners[:64])
victim = max((a for a in rows if 128 - rows[a] >= 64), key=lambda a: systematic[a])
signer = next(s for s in info["da_signers"] if s["address"].lower() == victim)
print(signer["pid"], signer["name"], rows[victim], systematic[victim])
PY
)"
read -r VICTIM_PID VICTIM_NAME VICTIM_ROWS VICTIM_DATA_ROWS <<< "$VICTIM"
echo "kill $VICTIM_NAME: it owns $VICTIM_ROWS of the 128 rows, $VICTIM_DATA_ROWS of them among the data rows 0..63"
run kill "$VICTIM_PID"
while kill -0 "$VICTIM_PID" 2>/dev/null; do sleep 0.1; done
echo "any 64 verified rows rebuild the blob; its data root is recomputed and must match the certified one"
run zerog da get "$BLOB_ID" -o "$WORK/shard.back"
cmp "$WORK/training-shard.bin" "$WORK/shard.back" && echo "byte-identical, with $VICTIM_NAME down"
echo "sampling now finds the missing rows and says so:"
run zerog da sample "$BLOB_ID" --samples 12 || true
zerog devnet up --port "$PORT" > /dev/null && echo "('zerog devnet up' restarted $VICTIM_NAME)"

say "13. The devnet knows its log and its services"
run zerog devnet status

say "14. Stop it (chain state and node databases are kept for the next 'up')"
run zerog devnet down
echo
echo "Next: 'zerog devnet up' in any directory gives you your own devnet; 'zerog --help' lists every command."
