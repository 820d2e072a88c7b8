/**
 * `--variant-file <path>`: loads a variant module (TypeScript or JavaScript) at run
 * time with tsx's `tsImport` (esbuild strips the types; it does not type-check: run
 * `tsc --noEmit` on the file for that), checks its default export against its
 * target's interface and makes it checkable; or translates a `.c` file (the kernel
 * functions of a patch, src/variant/c/) for the target the command names. Whatever is
 * wrong, one line naming the file and the problem (a UsageError: exit 2).
 */
import { readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { UsageError } from "../targets/errors.js";
import { findTarget } from "../targets/registry.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import { cVariant } from "./c/variant.js";
import type { UserVariant } from "./interface.js";
import { shapeProblem } from "./schema.js";
import { firstLine, userVariantSubject } from "./subject.js";

const EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".c"];

export interface LoadedVariant {
  /** The absolute path it was loaded from. */
  readonly file: string;
  readonly variant: UserVariant;
  /** `target@name` */
  readonly spec: string;
  /** A C variant: the lines of its statements, which its `cover` ops report (file: its absolute path). */
  readonly coverable?: { readonly source: string; readonly lines: readonly number[] };
  subject(options?: TargetOptions): Subject;
}

/** What went wrong while importing, as one line: esbuild's syntax errors carry file:line:col. */
function importProblem(e: unknown): string {
  const err = e as { errors?: { text: string; location?: { line: number; column: number } | null }[]; code?: string; message?: string };
  const first = err.errors?.[0];
  if (first) return `syntax error${first.location ? ` at line ${first.location.line}:${first.location.column + 1}` : ""}: ${first.text}`;
  const msg = String(err.message ?? e);
  const esbuild = /^\S+:(\d+):(\d+): ERROR: (.*)$/m.exec(msg);
  if (esbuild) return `syntax error at line ${esbuild[1]}:${esbuild[2]}: ${esbuild[3]}`;
  if (err.code === "ERR_MODULE_NOT_FOUND") {
    const pkg = /Cannot find (?:package|module) '([^']+)'/.exec(msg)?.[1];
    if (pkg && /(^|\/)kvm-ordercheck(\/|$)/.test(pkg))
      return `cannot import ${pkg}: install kvm-ordercheck where the file can find it (npm install --save-dev kvm-ordercheck beside it)`;
    return `it imports something that cannot be found: ${firstLine(msg)}`;
  }
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

export interface LoadOptions {
  /** The target a C variant belongs to (the command names it; a TypeScript module says it itself). */
  readonly target?: string;
}

/** A variant made ready to check, refusing a name that a shipped variant has. */
function loaded(file: string, path: string, variant: UserVariant): LoadedVariant {
  // A shipped name would make target@name (and replay tokens) ambiguous.
  if (findTarget(variant.target).variants.some((x) => x.name === variant.name))
    throw new UsageError(`variant file ${path}: name '${variant.name}' is a shipped variant of ${variant.target}; give yours another name`);
  return {
    file,
    variant,
    spec: `${variant.target}@${variant.name}`,
    subject: (options) => userVariantSubject(file, variant, options),
  };
}

/** A C variant (src/variant/c/): translated, in-process (no code of the user's runs). */
async function loadCVariantFile(file: string, path: string, target: string | undefined): Promise<LoadedVariant> {
  if (!target) throw new UsageError(`variant file ${path}: a C variant takes its target from the command (check <target> --variant-file ${path})`);
  findTarget(target);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`variant file ${path}: cannot read it (${firstLine(e)})`);
  }
  const { variant, coverable } = await cVariant(path, text, target, file);
  return { ...loaded(file, path, variant), coverable };
}

export async function loadVariantFile(path: string, options: LoadOptions = {}): Promise<LoadedVariant> {
  const file = resolve(path);
  if (!EXTENSIONS.includes(extname(file))) throw new UsageError(`variant file ${path}: expected a .ts or .js module or a .c file (${EXTENSIONS.join(", ")})`);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`variant file ${path} not found`);
  }
  if (!isFile) throw new UsageError(`variant file ${path} is not a file`);
  if (extname(file) === ".c") return loadCVariantFile(file, path, options.target);
  let ns: Record<string, unknown>;
  try {
    ns = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`variant file ${path}: ${importProblem(e)}`);
  }
  const exported = defaultExport(ns);
  if (exported === undefined) throw new UsageError(`variant file ${path} has no default export (export default defineVariant({ ... }))`);
  const problem = shapeProblem(exported);
  if (problem) throw new UsageError(`variant file ${path}: ${problem}`);
  return loaded(file, path, exported as UserVariant);
}

/** Loads every file; two that define the same target@name are refused. */
export async function loadVariantFiles(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedVariant[]> {
  const out: LoadedVariant[] = [];
  for (const p of paths) {
    const v = await loadVariantFile(p, options);
    const twin = out.find((x) => x.spec === v.spec);
    if (twin) throw new UsageError(`variant files ${twin.file} and ${v.file} both define ${v.spec}`);
    out.push(v);
  }
  return out;
}
