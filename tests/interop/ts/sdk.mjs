// A small CLI over the official 0G TypeScript SDKs, for zerog's interop tests (tests/interop/test_ts_sdk.py).
//
//   node sdk.mjs [--sdk 1.2.8|0.3.3] upload RPC PRIVATE_KEY FILE TARGET [--flow FLOW_ADDRESS]
//       -> {"root", "txHash", "txSeq"?, "seconds"}
//   node sdk.mjs [--sdk 1.2.8|0.3.3] download ROOT OUT TARGET
//       -> {"ok": true, "seconds"}
//
// TARGET is "indexer=URL" (the SDK's Indexer.upload / Indexer.download) or "nodes=URL,URL" (the SDK's Uploader /
// Downloader over StorageNode clients; an upload there needs --flow, the Indexer path reads the Flow address
// from zgs_getStatus). Default SDK: 1.2.8 (@0gfoundation/0g-ts-sdk); 0.3.3 is the older @0glabs/0g-ts-sdk.
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
    throw new Error(
        'usage: sdk.mjs [--sdk 1.2.8|0.3.3] upload RPC KEY FILE TARGET [--flow ADDR] | download ROOT OUT TARGET',
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
