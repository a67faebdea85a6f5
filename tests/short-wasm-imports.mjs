#!/usr/bin/env node
// tests/short-wasm-imports.mjs PKG_DIR LIB: gives the imports a wasm-bindgen `--target web` build
// takes from its own glue short names, in both the wasm and the glue (build.sh runs it after
// wasm-opt). wasm-bindgen names each such import after the JS it calls plus a 16-hex-digit hash
// (`__wbg_transaction_c407989db8e62119`), and every import repeats its module's name
// (`./phemossa_background_bg.js`): 237 imports of the background are about 16 KB of its wasm
// that no one reads, at a budget of 2.5 MiB it had 177 bytes under. wasm-bindgen has no option
// for shorter names, and wasm-opt keeps import names, since they are the module's interface.
//
// What changes: in the wasm, only the import section's names of module `./LIB_bg.js`, to `w` and
// `a`, `b`, … ; in `LIB.js`, the keys of the object those imports come from, and the name of
// the module it is given under. Each name must be found exactly where wasm-bindgen writes it, or
// the script fails and says which, so a new wasm-bindgen version cannot half-rename a build.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [pkg, lib] = process.argv.slice(2);
if (!pkg || !lib) {
  console.error('usage: short-wasm-imports.mjs PKG_DIR LIB');
  process.exit(2);
}
const wasmPath = path.join(pkg, `${lib}_bg.wasm`);
const jsPath = path.join(pkg, `${lib}.js`);
const OWN_MODULE = `./${lib}_bg.js`;
const SHORT_MODULE = 'w';

function fail(message) {
  console.error(`short-wasm-imports: ${lib}: ${message}`);
  process.exit(1);
}

// ---- LEB128 and names, as the wasm binary format writes them ----
function readU32(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value >>> 0, at];
    shift += 7;
    if (shift > 28) fail('a LEB128 number longer than 5 bytes');
  }
}
function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return Buffer.from(out);
}
function readName(bytes, at) {
  const [length, start] = readU32(bytes, at);
  return [bytes.subarray(start, start + length).toString('utf8'), start + length];
}
const name = (text) => Buffer.concat([u32(Buffer.byteLength(text)), Buffer.from(text, 'utf8')]);

/** The end of an import's description that starts at `at` (the kind byte). */
function skipDescription(bytes, at) {
  const kind = bytes[at++];
  const limits = (from) => {
    const flags = bytes[from++];
    let [, next] = readU32(bytes, from);
    if (flags & 1) [, next] = readU32(bytes, next);
    return next;
  };
  switch (kind) {
    case 0: return readU32(bytes, at)[1]; // function: type index
    case 1: return limits(at + 1); // table: element type, limits
    case 2: return limits(at); // memory: limits
    case 3: return at + 2; // global: value type, mutability
    case 4: return readU32(bytes, at + 1)[1]; // tag: attribute, type index
    default: return fail(`an import of unknown kind ${kind}`);
  }
}

/** a, b, …, z, A, …, Z, then two letters and on: valid identifiers, shortest first. */
function shortName(n) {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let out = '';
  do {
    out = letters[n % letters.length] + out;
    n = Math.floor(n / letters.length) - 1;
  } while (n >= 0);
  return out;
}

const wasm = readFileSync(wasmPath);
if (wasm.readUInt32LE(0) !== 0x6d736100) fail(`${wasmPath} is not a wasm module`);
const parts = [wasm.subarray(0, 8)];
const renamed = new Map();
let at = 8;
while (at < wasm.length) {
  const id = wasm[at];
  const [size, start] = readU32(wasm, at + 1);
  const end = start + size;
  if (id !== 2) {
    parts.push(wasm.subarray(at, end));
  } else {
    const [count, first] = readU32(wasm, start);
    const entries = [u32(count)];
    let cursor = first;
    for (let i = 0; i < count; i++) {
      const [module, afterModule] = readName(wasm, cursor);
      const [field, afterField] = readName(wasm, afterModule);
      const afterDescription = skipDescription(wasm, afterField);
      const description = wasm.subarray(afterField, afterDescription);
      if (module === OWN_MODULE) {
        if (renamed.has(field)) fail(`the import ${field} is named twice`);
        const short = shortName(renamed.size);
        renamed.set(field, short);
        entries.push(name(SHORT_MODULE), name(short), description);
      } else {
        entries.push(wasm.subarray(cursor, afterDescription));
      }
      cursor = afterDescription;
    }
    if (cursor !== end) fail('the import section does not end where its size says');
    const payload = Buffer.concat(entries);
    parts.push(Buffer.from([2]), u32(payload.length), payload);
  }
  at = end;
}
if (renamed.size === 0) fail(`no import of module ${OWN_MODULE}: is it renamed already?`);

let js = readFileSync(jsPath, 'utf8');
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The module name, once, as the key its import object is given under.
const moduleKey = new RegExp(`^(\\s+)"${escape(OWN_MODULE)}": (import\\d+),$`, 'm');
const moduleMatches = js.match(new RegExp(moduleKey.source, 'gm')) ?? [];
if (moduleMatches.length !== 1) fail(`"${OWN_MODULE}" is given ${moduleMatches.length} times in ${jsPath}, not once`);
js = js.replace(moduleKey, `$1"${SHORT_MODULE}": $2,`);
// Each import, once, as a key of that object (`        __wbg_…: function(`).
for (const [field, short] of renamed) {
  const key = new RegExp(`^(\\s+)${escape(field)}:`, 'gm');
  const found = js.match(key)?.length ?? 0;
  if (found !== 1) fail(`the import ${field} is a key ${found} times in ${jsPath}, not once`);
  js = js.replace(key, `$1${short}:`);
}

const out = Buffer.concat(parts);
writeFileSync(wasmPath, out);
writeFileSync(jsPath, js);
console.log(`short-wasm-imports: ${lib}: ${renamed.size} imports renamed, ${wasm.length - out.length} bytes saved`);
