// A toy DDUF reader behind the weightspec driver protocol (spec/protocol.md), in plain Node.
//
//   weightspec conformance --impl-cmd "node toy-dduf-reader.mjs"
//
// It answers dduf-read from the end record and the central directory, and nothing more: no
// ZIP64, no checks of names, overlaps or local headers. It is an example of a driver, not a
// conformant reader: expect it to accept many archives the spec refuses.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const END_RECORD = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;

class CorruptArchive extends Error {
  name = "CorruptArchive";
}

// Every entry as { name, offset, length }, in central-directory order.
function readEntries(path) {
  const data = readFileSync(path);
  const end = data.length - 22;
  if (end < 0 || data.readUInt32LE(end) !== END_RECORD) {
    throw new CorruptArchive("no end-of-central-directory record in the last 22 bytes");
  }
  const entries = [];
  let at = data.readUInt32LE(end + 16);
  for (let count = data.readUInt16LE(end + 10); count > 0; count--) {
    if (data.readUInt32LE(at) !== CENTRAL_HEADER) {
      throw new CorruptArchive(`no central directory header at byte ${at}`);
    }
    const nameLength = data.readUInt16LE(at + 28);
    const local = data.readUInt32LE(at + 42);
    entries.push({
      name: data.toString("utf8", at + 46, at + 46 + nameLength),
      offset: local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28),
      length: data.readUInt32LE(at + 20),
    });
    at += 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
  }
  return entries;
}

// The answer to one run: a documented refusal for CorruptArchive, a crash for anything else
// (a RangeError when an offset points past the end of the file, for instance).
function answer({ seq, args }) {
  try {
    return { seq, outcome: "accepted", value: { entries: readEntries(args.path) } };
  } catch (error) {
    if (error instanceof CorruptArchive) {
      return { seq, outcome: "refused", category: "corrupt-archive", error_type: error.name, message: error.message };
    }
    return { seq, outcome: "crashed", error_type: error.name, message: error.message };
  }
}

const started = {
  op: "started",
  protocol: 1,
  implementation: { name: "toy-dduf-reader", version: "0.1.0", language: "javascript", capabilities: ["dduf-read"] },
};
const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  if (request.op === "start") send(started);
  else if (request.op === "run") send(answer(request));
  else if (request.op === "stop") process.exit(0);
}
