// Compile zerog's Solidity with the pinned solc-js and write ABI + bytecode artifacts for Python.
//   node contracts/compile.mjs          write src/zerog/chain/artifacts/*.json
//   node contracts/compile.mjs --check  exit 1 if the committed artifacts differ from a fresh compile
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const outDir = join(root, "src", "zerog", "chain", "artifacts");
const settings = {
  evmVersion: "prague",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"] } },
};

function solidityFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return solidityFiles(path);
    return entry.name.endsWith(".sol") ? [path] : [];
  });
}

function findImport(path) {
  const candidates = [join(root, "node_modules", path), join(here, path)];
  for (const candidate of candidates) {
    if (existsSync(candidate)) return { contents: readFileSync(candidate, "utf8") };
  }
  return { error: `import not found: ${path}` };
}

const files = solidityFiles(here).sort();
const sources = {};
const sourceHashes = {};
for (const file of files) {
  const name = relative(here, file).split("\\").join("/");
  const text = readFileSync(file, "utf8");
  sources[name] = { content: text };
  sourceHashes[name] = createHash("sha256").update(text).digest("hex");
}

const output = JSON.parse(solc.compile(JSON.stringify({ language: "Solidity", sources, settings }), { import: findImport }));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const message of output.errors || []) console.error(message.formattedMessage);
if (errors.length) process.exit(1);

const artifacts = {};
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
  if (!(sourceName in sources)) continue; // OpenZeppelin and other imports
  for (const [contractName, compiled] of Object.entries(contracts)) {
    artifacts[`${contractName}.json`] = {
      contractName,
      sourceName,
      abi: compiled.abi,
      bytecode: "0x" + compiled.evm.bytecode.object,
      deployedBytecode: "0x" + compiled.evm.deployedBytecode.object,
      methodIdentifiers: compiled.evm.methodIdentifiers,
    };
  }
}
artifacts["_manifest.json"] = { compiler: solc.version(), settings, sources: sourceHashes };

const rendered = Object.fromEntries(Object.entries(artifacts).map(([name, value]) => [name, JSON.stringify(value, null, 1) + "\n"]));
if (process.argv.includes("--check")) {
  const existing = existsSync(outDir) ? readdirSync(outDir).filter((n) => n.endsWith(".json")) : [];
  const stale = Object.keys(rendered).filter((n) => !existsSync(join(outDir, n)) || readFileSync(join(outDir, n), "utf8") !== rendered[n]);
  const extra = existing.filter((n) => !(n in rendered));
  if (stale.length || extra.length) {
    console.error(`stale artifacts: ${[...stale, ...extra].join(", ")}; run 'make contracts'`);
    process.exit(1);
  }
  console.log(`artifacts up to date (${Object.keys(rendered).length} files)`);
} else {
  if (existsSync(outDir)) for (const n of readdirSync(outDir)) if (n.endsWith(".json")) rmSync(join(outDir, n));
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(rendered)) writeFileSync(join(outDir, name), text);
  console.log(`wrote ${Object.keys(rendered).length} artifacts to ${relative(root, outDir)}`);
}
