/**
 * Imports a variant module (TypeScript or JavaScript) with tsx's `tsImport` (esbuild
 * strips the types; it does not type-check: run `tsc --noEmit` on the file for that),
 * reads its default export once as data (snapshot.ts) and checks it against its
 * target's interface. This runs only inside the file's sandbox (sandbox/guest.ts):
 * importing is running the file's code. Whatever is wrong, one line naming the file and
 * the problem (a UsageError: exit 2).
 */
import { statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { UsageError } from "../targets/errors.js";
import { findTarget } from "../targets/registry.js";
import type { UserVariant } from "./interface.js";
import { shapeProblem } from "./schema.js";
import { OWN_OBJECTS } from "./own.js";
import { snapshot } from "./snapshot.js";
import { firstLine } from "./subject.js";

/** What a variant file may be, by extension: the loader dispatches on it. */
export const MODULE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];
/** Every extension a variant file may have: a module, or a C file (src/variant/c/). */
const EXTENSIONS = [...MODULE_EXTENSIONS, ".c"];

/** The absolute path of variant file `path`, refused (one line) if it is not a variant file. */
export function variantFilePath(path: string): string {
  const file = resolve(path);
  if (!EXTENSIONS.includes(extname(file))) throw new UsageError(`variant file ${path}: expected a .ts or .js module or a .c file (${EXTENSIONS.join(", ")})`);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`variant file ${path} not found`);
  }
  if (!isFile) throw new UsageError(`variant file ${path} is not a file`);
  return file;
}

/** What went wrong while importing, as one line: esbuild's syntax errors carry file:line:col. */
function importProblem(e: unknown): string {
  const err = e as { errors?: { text: string; location?: { line: number; column: number } | null }[]; code?: string; message?: string };
  const first = err.errors?.[0];
  if (first) return `syntax error${first.location ? ` at line ${first.location.line}:${first.location.column + 1}` : ""}: ${first.text}`;
  const msg = String(err.message ?? e);
  const esbuild = /^\S+:(\d+):(\d+): ERROR: (.*)$/m.exec(msg);
  if (esbuild) return `syntax error at line ${esbuild[1]}:${esbuild[2]}: ${esbuild[3]}`;
  if (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND") return `it imports something that cannot be found: ${firstLine(msg)}`;
  if (e instanceof SyntaxError) return `syntax error: ${firstLine(e.message)}`;
  return `loading it threw ${firstLine(e)}`;
}

/**
 * The module's default export. A .ts file outside a `"type": "module"` package is
 * compiled as CommonJS: its exports arrive as `default`, with the ES default export
 * inside, marked `__esModule`.
 */
function defaultExport(ns: Record<string, unknown>): unknown {
  const d = ns.default as { __esModule?: boolean; default?: unknown } | undefined;
  if (d && typeof d === "object" && d.__esModule) return d.default;
  return d;
}

/** Imports `path` and returns its variant, read once and checked. */
export async function importVariantModule(path: string): Promise<UserVariant> {
  const file = variantFilePath(path);
  let ns: Record<string, unknown>;
  try {
    ns = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`variant file ${path}: ${importProblem(e)}`);
  }
  let exported: unknown;
  try {
    exported = snapshot(defaultExport(ns), OWN_OBJECTS);
  } catch (e) {
    throw new UsageError(`variant file ${path}: reading its default export threw ${firstLine(e)}`);
  }
  if (exported === undefined) throw new UsageError(`variant file ${path} has no default export (export default defineVariant({ ... }))`);
  const problem = shapeProblem(exported);
  if (problem) throw new UsageError(`variant file ${path}: ${problem}`);
  const variant = exported as UserVariant;
  // A shipped name would make target@name (and replay tokens) ambiguous.
  if (findTarget(variant.target).variants.some((x) => x.name === variant.name))
    throw new UsageError(`variant file ${path}: name '${variant.name}' is a shipped variant of ${variant.target}; give yours another name`);
  return variant;
}
