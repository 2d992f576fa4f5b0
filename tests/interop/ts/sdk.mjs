// A small CLI over the official 0G TypeScript SDKs, for zerog's interop tests (tests/interop/test_ts_sdk.py).
//
//   node sdk.mjs [--sdk 1.2.8|0.3.3] upload RPC PRIVATE_KEY FILE TARGET [--flow FLOW_ADDRESS]
//       -> {"root", "txHash", "txSeq"?, "seconds"}
//   node sdk.mjs [--sdk 1.2.8|0.3.3] download ROOT OUT TARGET
//       -> {"ok": true, "seconds"}
//   node sdk.mjs [--sdk 1.2.8|0.3.3] kv-write RPC PRIVATE_KEY NODES STREAM_ID k=v... --flow FLOW [--version N]
//       -> {"txSeq", "root", "txHash", "seconds"}
//   node sdk.mjs [--sdk 1.2.8|0.3.3] kv-read KV_URL STREAM_ID key... [--version N] [--account ADDR]
//       -> {"values": {key: {data, size, version} | {error}}, "iter": [...], "reverse": [...], "holding", "acl"?}
//   node sdk.mjs [--sdk 1.2.8|0.3.3] kv-result KV_URL SEQ...
//       -> {"results": {seq: result}}
//
// TARGET is "indexer=URL" (the SDK's Indexer.upload / Indexer.download) or "nodes=URL,URL" (the SDK's Uploader /
// Downloader over StorageNode clients; an upload there needs --flow, the Indexer path reads the Flow address
// from zgs_getStatus). Default SDK: 1.2.8 (@0gfoundation/0g-ts-sdk); 0.3.3 is the older @0glabs/0g-ts-sdk.
//
// KV: NODES is URL[,URL...]; keys and values on the command line are UTF-8 text; values come back base64 (as the
// SDK returns them), keys as text. kv-write is the SDK's Batcher (StreamData version N, default 2^64-1: never
// conflicts), kv-read its KvClient (getValue per key, then a KvIterator walk forwards and backwards).
//
// stdout carries exactly one JSON line; anything the SDK logs goes to stderr. A failure is {"error": "..."} with
// exit code 1. `seconds` is measured here, around the SDK call only (not node's start-up).

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

// The SDK logs progress with console.log/info/debug: keep stdout for our one JSON line.
for (const name of ['log', 'info', 'debug']) {
    console[name] = (...args) => console.error(...args);
}

const require = createRequire(import.meta.url);
const PACKAGES = { '1.2.8': '@0gfoundation/0g-ts-sdk', '0.3.3': '@0glabs/0g-ts-sdk' };

function parseArgs(argv) {
    const flags = {};
    const positional = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i].startsWith('--')) {
            flags[argv[i].slice(2)] = argv[i + 1];
            i++;
        } else {
            positional.push(argv[i]);
        }
    }
    return { flags, positional };
}

function parseTarget(target) {
    const [kind, value] = [target.slice(0, target.indexOf('=')), target.slice(target.indexOf('=') + 1)];
    if ((kind !== 'indexer' && kind !== 'nodes') || !value) {
        throw new Error(`target must be indexer=URL or nodes=URL,URL; got ${target}`);
    }
    return { kind, urls: value.split(',') };
}

// Every option spelled out: 0.3.3 does not merge options with its defaults (a missing `tags` or `fee` makes
// ethers throw while encoding the submission), and 1.2.8 would otherwise apply its own defaults silently.
function uploadOptions() {
    return {
        tags: '0x',
        finalityRequired: true,
        taskSize: 10,
        expectedReplica: 1,
        skipTx: false,
        fee: BigInt(0),
    };
}

async function upload(sdk, version, [rpc, key, path, target], flags) {
    const { ethers } = require('ethers');
    const { kind, urls } = parseTarget(target);
    // 0.3.3 waits for the receipt with ethers' tx.wait(), which polls at the provider's interval (4 s by default);
    // a dev chain mines at once, so poll faster. 1.2.8 never waits for a receipt.
    const signer = new ethers.Wallet(key, new ethers.JsonRpcProvider(rpc, undefined, { pollingInterval: 200 }));
    const file = await sdk.ZgFile.fromFilePath(path);
    const opts = uploadOptions();
    const started = performance.now();
    let result;
    let err;
    try {
        if (kind === 'indexer') {
            [result, err] = await new sdk.Indexer(urls[0]).upload(file, rpc, signer, opts);
        } else {
            if (!flags.flow) {
                throw new Error('an upload to nodes= needs --flow FLOW_ADDRESS');
            }
            const flow = sdk.getFlowContract(flags.flow, signer);
            const nodes = urls.map((url) => new sdk.StorageNode(url));
            [result, err] = await new sdk.Uploader(nodes, rpc, flow).uploadFile(file, opts);
        }
    } finally {
        await file.close();
    }
    const seconds = (performance.now() - started) / 1000;
    if (err) {
        return { error: String(err?.message ?? err) };
    }
    const out = { root: result.rootHash, txHash: result.txHash, seconds };
    if (result.txSeq !== undefined) {
        out.txSeq = Number(result.txSeq);
    }
    return out;
}

async function download(sdk, version, [root, out, target]) {
    const { kind, urls } = parseTarget(target);
    const started = performance.now();
    let err;
    if (kind === 'indexer') {
        err = await new sdk.Indexer(urls[0]).download(root, out, false);
    } else {
        const downloader = new sdk.Downloader(urls.map((url) => new sdk.StorageNode(url)));
        // 0.3.3's Downloader has only downloadFile; 1.2.8's download() takes one root or a list of fragments.
        err =
            version === '0.3.3'
                ? await downloader.downloadFile(root, out, false)
                : await downloader.download(root, out, false);
    }
    const seconds = (performance.now() - started) / 1000;
    return err ? { error: String(err?.message ?? err) } : { ok: true, seconds };
}

// 1.2.8's StorageKv base64-encodes a BytesLike key itself (keyToBase64 = arrayify + base64); 0.3.3's sends the key
// as given, so its callers pass the wire format, base64 (its README: `getValue(streamId, ethers.encodeBase64(key))`;
// 1.2.8's README still says so, but arrayify throws on a base64 string there).
function kvKey(version, text) {
    const bytes = Buffer.from(text, 'utf8');
    return version === '0.3.3' ? bytes.toString('base64') : bytes;
}

// The key of an iterator pair: raw bytes in 1.2.8 (its KvIterator decodes the RPC's base64), the RPC's base64
// string in 0.3.3.
function keyText(key) {
    return (typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key)).toString('utf8');
}

async function kvWrite(sdk, version, [rpc, key, nodes, streamId, ...pairs], flags) {
    const { ethers } = require('ethers');
    if (!flags.flow) {
        throw new Error('kv-write needs --flow FLOW_ADDRESS');
    }
    const provider = new ethers.JsonRpcProvider(rpc, undefined, { pollingInterval: 200 });
    const signer = new ethers.Wallet(key, provider);
    const flow = sdk.getFlowContract(flags.flow, signer);
    const clients = nodes.split(',').map((url) => new sdk.StorageNode(url));
    const streamVersion = BigInt(flags.version ?? ((1n << 64n) - 1n).toString());
    const batcher = new sdk.Batcher(streamVersion, clients, flow, rpc);
    for (const pair of pairs) {
        const at = pair.indexOf('=');
        batcher.streamDataBuilder.set(
            streamId,
            Uint8Array.from(Buffer.from(pair.slice(0, at), 'utf8')),
            Uint8Array.from(Buffer.from(pair.slice(at + 1), 'utf8')),
        );
    }
    const started = performance.now();
    // exec replaces `tags` with the stream tags; pass every other option (0.3.3 does not merge defaults).
    const [result, err] = await batcher.exec(uploadOptions());
    const seconds = (performance.now() - started) / 1000;
    if (err) {
        return { error: String(err?.message ?? err) };
    }
    let txSeq = result.txSeq;
    if (txSeq === undefined) {
        // 0.3.3's uploadFile reports only {txHash, rootHash}: read the seq from the receipt with its own parser.
        const receipt = await provider.getTransactionReceipt(result.txHash);
        txSeq = (await new sdk.Uploader(clients, rpc, flow).processLogs(receipt))[0];
    }
    return { txSeq: Number(txSeq), root: result.rootHash, txHash: result.txHash, seconds };
}

async function kvRead(sdk, version, [url, streamId, ...keys], flags) {
    const client = new sdk.KvClient(url);
    const at = flags.version === undefined ? undefined : Number(flags.version);
    const values = {};
    for (const key of keys) {
        try {
            values[key] = await client.getValue(streamId, kvKey(version, key), at);
        } catch (e) {
            // One key's failure (e.g. getValue's paging of a value over 256 KiB) is reported, not fatal.
            values[key] = { error: String(e?.message ?? e) };
        }
    }
    const pair = (p) => ({ key: keyText(p.key), data: p.data, size: p.size, version: p.version });
    const walk = async (seek, step) => {
        const iterator = client.newIterator(streamId, at);
        const pairs = [];
        let err;
        try {
            err = await iterator[seek]();
            while (err === null && iterator.valid()) {
                pairs.push(pair(iterator.getCurrentPair()));
                err = await iterator[step]();
            }
        } catch (e) {
            err = e; // the iterator fetches each value with getValue, which can throw
        }
        return err === null ? pairs : { error: String(err?.message ?? err) };
    };
    const out = {
        values,
        iter: await walk('seekToFirst', 'next'),
        reverse: await walk('seekToLast', 'prev'),
        holding: await client.getHoldingStreamIds(),
    };
    if (flags.account) {
        const perKey = async (f) =>
            Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await f(kvKey(version, k))])));
        out.acl = {
            isAdmin: await client.isAdmin(flags.account, streamId, at),
            isWriterOfStream: await client.isWriterOfStream(flags.account, streamId, at),
            hasWritePermission: await perKey((k) => client.hasWritePermission(flags.account, streamId, k, at)),
            isWriterOfKey: await perKey((k) => client.isWriterOfKey(flags.account, streamId, k, at)),
            isSpecialKey: await perKey((k) => client.isSpecialKey(streamId, k, at)),
        };
    }
    return out;
}

async function kvResult(sdk, version, [url, ...seqs]) {
    // getTransactionResult sends String(txSeq), as the Python SDK does.
    const client = new sdk.KvClient(url);
    const results = {};
    for (const seq of seqs) {
        results[seq] = await client.getTransactionResult(Number(seq));
    }
    return { results };
}

async function main() {
    const { flags, positional } = parseArgs(process.argv.slice(2));
    const version = flags.sdk ?? '1.2.8';
    if (!(version in PACKAGES)) {
        throw new Error(`--sdk must be one of ${Object.keys(PACKAGES).join(', ')}`);
    }
    const sdk = require(PACKAGES[version]);
    const [command, ...args] = positional;
    if (command === 'upload' && args.length === 4) {
        return upload(sdk, version, args, flags);
    }
    if (command === 'download' && args.length === 3) {
        return download(sdk, version, args);
    }
    if (command === 'kv-write' && args.length >= 5) {
        return kvWrite(sdk, version, args, flags);
    }
    if (command === 'kv-read' && args.length >= 2) {
        return kvRead(sdk, version, args, flags);
    }
    if (command === 'kv-result' && args.length >= 1) {
        return kvResult(sdk, version, args);
    }
    throw new Error(
        'usage: sdk.mjs [--sdk 1.2.8|0.3.3] upload RPC KEY FILE TARGET [--flow ADDR] | download ROOT OUT TARGET | ' +
            'kv-write RPC KEY NODES STREAM k=v... --flow ADDR [--version N] | ' +
            'kv-read KV_URL STREAM key... [--version N] [--account ADDR] | kv-result KV_URL SEQ...',
    );
}

function finish(result) {
    const line = JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n';
    // Exit explicitly: ethers providers keep timers alive. Exit only once stdout has been flushed.
    process.stdout.write(line, () => process.exit(result.error === undefined ? 0 : 1));
}

main().then(finish, (e) => {
    console.error(e?.stack ?? e);
    finish({ error: String(e?.message ?? e) });
});
