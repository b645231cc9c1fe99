// Compiles one Kaitai Struct description to Python with the pinned kaitai-struct-compiler and
// writes the generated module to standard output, byte for byte as the compiler made it.
//
// Usage: node compile-ksy.mjs <description.ksy>
// Exits 1, with the compiler's message on standard error, when the description does not compile
// or compiles to more than one module (it imports no other description).
import { readFileSync } from "node:fs";
import compiler from "kaitai-struct-compiler";
import yaml from "js-yaml";

const [source] = process.argv.slice(2);
if (!source) {
  console.error("usage: node compile-ksy.mjs <description.ksy>");
  process.exit(2);
}
try {
  const description = yaml.load(readFileSync(source, "utf8"));
  const files = await compiler.compile("python", description, null, false);
  const names = Object.keys(files);
  if (names.length !== 1) {
    throw new Error(`expected one generated module, got ${names.join(", ")}`);
  }
  process.stdout.write(files[names[0]]);
} catch (error) {
  console.error(`compiling ${source}: ${error?.message ?? error}`);
  process.exit(1);
}
