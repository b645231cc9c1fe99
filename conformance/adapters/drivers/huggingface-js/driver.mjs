// The weightspec driver of @huggingface/dduf (implementation "huggingface.js"), speaking the
// driver protocol of spec/protocol.md, version 1, on stdin/stdout. Capability: dduf-read.
//
//   node driver.mjs        (in a folder where `npm ci` installed package-lock.json)
//
// dduf-read runs the package's checkDDUF (an async generator of { name, size, fileHeaderOffset })
// over fs.openAsBlob(path): a file:// URL breaks on Node 20, where @huggingface/blob hands
// checkDDUF a Buffer where it expects a DataView.
//
// checkDDUF gives no data offset, only the local header's offset. The driver computes the data
// offset as the spec does: local header offset + 30 + the name and extra lengths read from the
// local header in the file. It checks nothing there (checkDDUF never reads local headers); when
// the 30 bytes of the local header are not all in the file, it takes the central name length and
// no extra field, so that an archive the package accepts is still reported as accepted.
//
// Refusal or crash: checkDDUF signals a broken archive with `throw new Error(message)` and
// nothing else. An error is a refusal (category corrupt-archive) when its class is exactly
// Error and its message is one of the package's own throw sites (DELIBERATE_ERRORS, read from
// src/check-dduf.ts and src/check-filename.ts of version 0.0.2). Everything else is a crash:
// a RangeError of a DataView read past its end, a TypeError, a file that cannot be opened.
import { openAsBlob } from "node:fs";
import { open } from "node:fs/promises";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

import { checkDDUF } from "@huggingface/dduf";

const PROTOCOL = 1;
const LOCAL_HEADER_SIZE = 30;

const DELIBERATE_ERRORS = [
  /^DDUF footer not found in last 100kB of file$/,
  /^Zip64 footer not found in last 100kB of file$/,
  /^Multi-disk archives not supported$/,
  /^Central directory offset is outside the last 100kB of the file$/,
  /^Invalid central directory header$/,
  /^Invalid central directory file header$/,
  /^Unexpected end of central directory$/,
  /^Unsupported compression method: \d+$/,
  /^Compressed size and size differ: \d+ vs \d+$/,
  /^Files must have a \.safetensors, \.txt, \.gguf or \.json extension$/,
  /^Files must be only one level deep, not more$/,
];

const packageVersion = createRequire(import.meta.url)("@huggingface/dduf/package.json").version;

const STARTED = {
  op: "started",
  protocol: PROTOCOL,
  implementation: {
    name: "huggingface.js",
    version: packageVersion,
    language: "javascript",
    homepage: "https://github.com/huggingface/huggingface.js/tree/main/packages/dduf",
    capabilities: ["dduf-read"],
  },
};

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

// Exit with status 2 after a line on stderr: the suite sent something the protocol does not allow.
function protocolFailure(why) {
  process.stderr.write(`huggingface.js driver: ${why}\n`);
  process.exit(2);
}

function isDeliberate(error) {
  return (
    error instanceof Error &&
    Object.getPrototypeOf(error) === Error.prototype &&
    DELIBERATE_ERRORS.some((pattern) => pattern.test(error.message))
  );
}

// The absolute offset of an entry's data, from the local header at `headerOffset` (see the top).
async function dataOffset(file, headerOffset, name) {
  const header = Buffer.alloc(LOCAL_HEADER_SIZE);
  const { bytesRead } = await file.read(header, 0, LOCAL_HEADER_SIZE, headerOffset);
  if (bytesRead < LOCAL_HEADER_SIZE) {
    return headerOffset + LOCAL_HEADER_SIZE + Buffer.byteLength(name, "utf8");
  }
  return headerOffset + LOCAL_HEADER_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
}

// Every entry checkDDUF yields, in central-directory order, as { name, offset, length }.
async function readEntries(path) {
  const blob = await openAsBlob(path);
  const file = await open(path, "r");
  try {
    const entries = [];
    for await (const entry of checkDDUF(blob)) {
      const offset = await dataOffset(file, entry.fileHeaderOffset, entry.name);
      entries.push({ name: entry.name, offset, length: entry.size });
    }
    return entries;
  } finally {
    await file.close();
  }
}

async function answer({ seq, capability, args }) {
  if (capability !== "dduf-read") {
    return { seq, outcome: "crashed", error_type: "UnsupportedCapability", message: `not declared: ${capability}` };
  }
  try {
    return { seq, outcome: "accepted", value: { entries: await readEntries(args.path) } };
  } catch (error) {
    const errorType = error?.name || typeof error;
    const message = error?.message ?? String(error);
    if (isDeliberate(error)) {
      return { seq, outcome: "refused", category: "corrupt-archive", error_type: errorType, message };
    }
    return { seq, outcome: "crashed", error_type: errorType, message };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    protocolFailure(`not a JSON line: ${line.slice(0, 200)}`);
  }
  if (request.op === "start") {
    if (request.protocol !== PROTOCOL) protocolFailure(`speaks protocol ${PROTOCOL}, asked for ${request.protocol}`);
    send(STARTED);
  } else if (request.op === "run") {
    send(await answer(request));
  } else if (request.op === "stop") {
    break;
  } else {
    protocolFailure(`unknown op ${JSON.stringify(request.op)}`);
  }
}
