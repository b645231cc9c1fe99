// The weightspec driver of @huggingface/hub (implementation "huggingface.js-hub"), speaking the
// driver protocol of spec/protocol.md, version 1, on stdin/stdout. Capability: checkpoint-inspect.
//
//   node driver.mjs        (in a folder where `npm ci` installed package-lock.json)
//
// checkpoint-inspect runs the package's parseSafetensorsMetadata, which reads a Hub model repo's
// safetensors headers over HTTP, with a custom `fetch` (localHub) that serves the checkpoint
// folder as the Hub serves a repo: the folder of the path given, or the path itself when it is a
// directory; for a file, the package is given its name as `path`. No request leaves the process.
//
// The requests of version 2.17.5 (src/lib/parse-safetensors-metadata.ts, file-exists.ts,
// file-download-info.ts, utils/WebBlob.ts), all answered by localHub:
// - without `path`: HEAD <hub>/<repo>/raw/main/model.safetensors, then (on 404) the same for
//   model.safetensors.index.json; 404 for both makes the package throw "model id does not seem
//   to contain safetensors weights";
// - per file: GET <hub>/<repo>/resolve/main/<file> with `Range: bytes=0-0`, which needs a 206 with
//   `Content-Range: bytes 0-0/<size>` and an `ETag` (a 404 with `X-Error-Code: EntryNotFound`
//   means "no such file"); then range GETs of the 8-byte length and of the header, or, for the
//   index, a GET of the whole file.
//
// localHub answers as the Hub does: 206 with `Content-Range: bytes a-b/total` for a satisfiable
// range (the end clamped to the file), 416 with `Content-Range: bytes */total` for one that starts
// past the end, 200 with the whole file when the Range header is absent or malformed (RFC 9110);
// the ETag is stable per file (inode, size, mtime). A path that names no regular file of the
// folder is a 404 EntryNotFound: a missing file, a directory, a link that leads out of the folder
// (a Hub repo holds nothing outside itself), and a dot segment (`.`, `..`, also percent-encoded),
// which a real Hub never resolves against the file system. A folder that does not exist is a 404
// RepoNotFound. Any other request is a bug of this driver, thrown as an Error (a crash).
//
// Refusal or crash: the package signals a malformed header or index with SafetensorParseError, an
// HTTP error with HubApiError, and a repo without weights with `throw new Error(message)`. These
// are refusals, category checkpoint-error (a HubApiError of status 404: file-not-found);
// everything else is a crash: a RangeError of a DataView read past a short file, a TypeError.
import { open, readFile, realpath, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, sep } from "node:path";
import { createInterface } from "node:readline";

import { HubApiError, parseSafetensorsMetadata, SafetensorParseError } from "@huggingface/hub";

const PROTOCOL = 1;
const HUB_URL = "https://hub.weightspec.invalid";
const REPO = "weightspec/checkpoint";
const REVISION = "main";
const NO_WEIGHTS = /^model id does not seem to contain safetensors weights$/;

// The package exports no package.json: it is read next to the entry point (dist/index.js).
const entryPoint = createRequire(import.meta.url).resolve("@huggingface/hub");
const packageVersion = JSON.parse(await readFile(join(dirname(entryPoint), "..", "package.json"), "utf8")).version;

const STARTED = {
  op: "started",
  protocol: PROTOCOL,
  implementation: {
    name: "huggingface.js-hub",
    version: packageVersion,
    language: "javascript",
    homepage: "https://github.com/huggingface/huggingface.js/tree/main/packages/hub",
    capabilities: ["checkpoint-inspect"],
  },
};

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

// Exit with status 2 after a line on stderr: the suite sent something the protocol does not allow.
function protocolFailure(why) {
  process.stderr.write(`huggingface.js-hub driver: ${why}\n`);
  process.exit(2);
}

function notFound(errorCode) {
  const error = errorCode === "RepoNotFound" ? "Repository not found" : "Entry not found";
  return new Response(JSON.stringify({ error }), {
    status: 404,
    headers: { "Content-Type": "application/json", "X-Error-Code": errorCode },
  });
}

// The file of `folder` that the repo path `segments` (percent-encoded) names, or null (see the top).
async function repoFile(folder, segments) {
  let names;
  try {
    names = segments.map((segment) => decodeURIComponent(segment));
  } catch {
    return null; // a malformed percent-escape names no file
  }
  if (names.some((name) => name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0"))) {
    return null;
  }
  try {
    const root = await realpath(folder);
    const file = await realpath(join(folder, ...names));
    const info = await stat(file);
    return file.startsWith(root + sep) && info.isFile() ? { file, info } : null;
  } catch (error) {
    if (error?.code === "ENOENT" || error?.code === "ENOTDIR") return null;
    throw error;
  }
}

// [start, end] (inclusive) of a `bytes=a-b`, `bytes=a-` or `bytes=-n` header against `size`;
// "unsatisfiable", or null for a header that is absent or malformed (the whole file is served).
function byteRange(header, size) {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? "");
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Number(match[2]);
  if (end < start) return null;
  return start >= size ? "unsatisfiable" : [start, Math.min(end, size - 1)];
}

async function readBytes(file, start, length) {
  const buffer = Buffer.alloc(length);
  const handle = await open(file, "r");
  try {
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

// A `fetch` that serves `folder` as the Hub serves the repo REPO at revision REVISION.
function localHub(folder) {
  return async function fetch(input, init = {}) {
    const url = String(input instanceof Request ? input.url : input);
    const response = await serve(folder, url, init);
    Object.defineProperty(response, "url", { value: url }); // as a real fetch's response has it
    return response;
  };
}

// The answer of localHub(folder) to one request.
async function serve(folder, url, init) {
  const prefix = `${HUB_URL}/${REPO}/`;
  const method = (init.method ?? "GET").toUpperCase();
  const repoPath = url.startsWith(prefix) ? url.slice(prefix.length).split(/[?#]/)[0] : "";
  const [endpoint, revision, ...segments] = repoPath.split("/");
  if (!["raw", "resolve"].includes(endpoint) || !["GET", "HEAD"].includes(method)) {
    throw new Error(`huggingface.js-hub driver: unexpected request ${method} ${url}`);
  }
  if (!(await stat(folder).then((info) => info.isDirectory(), () => false))) return notFound("RepoNotFound");
  if (revision !== REVISION) return notFound("RevisionNotFound");
  const found = await repoFile(folder, segments);
  if (found === null) return notFound("EntryNotFound");
  const size = found.info.size;
  const headers = {
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
    ETag: `"${found.info.ino}-${size}-${found.info.mtimeMs}"`,
  };
  const range = byteRange(new Headers(init.headers).get("Range"), size);
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  }
  const [start, end] = range ?? [0, size - 1];
  const length = end - start + 1;
  const body = method === "HEAD" || length <= 0 ? null : await readBytes(found.file, start, length);
  const status = range === null ? 200 : 206;
  const contentRange = range === null ? {} : { "Content-Range": `bytes ${start}-${end}/${size}` };
  const contentLength = { "Content-Length": String(Math.max(length, 0)) };
  return new Response(body, { status, headers: { ...headers, ...contentRange, ...contentLength } });
}

// Every tensor the parsed headers list, by name: { dtype, shape } as the header states them (a
// dtype that is not a string, which the package does not check, is reported as its JSON text).
function storedTensors(parsed) {
  const headers = parsed.sharded ? Object.values(parsed.headers) : [parsed.header];
  const tensors = {};
  for (const header of headers) {
    for (const [name, info] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const dtype = typeof info.dtype === "string" ? info.dtype : (JSON.stringify(info.dtype) ?? "(no dtype)");
      tensors[name] = { dtype, shape: info.shape };
    }
  }
  return tensors;
}

async function inspect(path) {
  const isFolder = await stat(path).then((info) => info.isDirectory(), () => false);
  const parsed = await parseSafetensorsMetadata({
    repo: REPO,
    revision: REVISION,
    hubUrl: HUB_URL,
    ...(isFolder ? {} : { path: encodeURIComponent(basename(path)) }),
    fetch: localHub(isFolder ? path : dirname(path)),
  });
  return { tensors: storedTensors(parsed) };
}

// The refusal category of a documented error of the package, or null for a crash (see the top).
function refusalCategory(error) {
  if (error instanceof SafetensorParseError) return "checkpoint-error";
  if (error instanceof HubApiError) return error.statusCode === 404 ? "file-not-found" : "checkpoint-error";
  if (error instanceof Error && Object.getPrototypeOf(error) === Error.prototype && NO_WEIGHTS.test(error.message)) {
    return "checkpoint-error";
  }
  return null;
}

async function answer({ seq, capability, args }) {
  if (capability !== "checkpoint-inspect") {
    return { seq, outcome: "crashed", error_type: "UnsupportedCapability", message: `not declared: ${capability}` };
  }
  try {
    return { seq, outcome: "accepted", value: await inspect(args.path) };
  } catch (error) {
    // HubApiError sets no name of its own: its class says what it is.
    const errorType = error?.constructor?.name || error?.name || typeof error;
    const message = error?.message ?? String(error);
    const category = refusalCategory(error);
    if (category !== null) {
      return { seq, outcome: "refused", category, error_type: errorType, message };
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
