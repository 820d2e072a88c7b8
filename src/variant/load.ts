/**
 * `--variant-file <path>`: a variant of one's own, by extension. A TypeScript or
 * JavaScript module is code: it is loaded in a sandbox (sandbox/: a worker thread that
 * imports the file, module.ts), and the checker gets the variant as data, read once (no
 * getter is asked twice), checked against its target's interface here again, and a
 * subject whose every run of the file's code goes to the sandbox (remote.ts). A `.c`
 * file (the kernel functions of a patch, src/variant/c/) is translated in-process for
 * the target the command names: no code of the user's runs. Whatever is wrong, one line
 * naming the file and the problem (a UsageError: exit 2).
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { UsageError } from "../targets/errors.js";
import { findTarget } from "../targets/registry.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import { cVariant } from "./c/variant.js";
import type { UserVariant } from "./interface.js";
import { variantFilePath } from "./module.js";
import { ownCode } from "./own.js";
import { STAND_INS, remoteSubject } from "./remote.js";
import { Sandbox } from "./sandbox/host.js";
import type { FunctionField } from "./sandbox/protocol.js";
import { shapeProblem } from "./schema.js";
import { firstLine, userVariantSubject } from "./subject.js";

export interface LoadedVariant {
  /** The absolute path it was loaded from. */
  readonly file: string;
  /** The variant; for a module, as data with stand-ins for its functions (its code runs in the sandbox only). */
  readonly variant: UserVariant;
  /** `target@name` */
  readonly spec: string;
  subject(options?: TargetOptions): Subject;
  /** Ends a module's sandbox (an idle one does not keep the process alive). */
  close?(): Promise<void>;
}

export interface LoadOptions {
  /** The target a C variant belongs to (the command names it; a TypeScript module says it itself). */
  readonly target?: string;
}

/** A name a shipped variant has would make target@name (and replay tokens) ambiguous. */
function shippedNameProblem(variant: UserVariant): string | null {
  return findTarget(variant.target).variants.some((x) => x.name === variant.name)
    ? `name '${variant.name}' is a shipped variant of ${variant.target}; give yours another name`
    : null;
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
  const variant = await cVariant(path, text, target, file);
  const shipped = shippedNameProblem(variant);
  if (shipped) throw new UsageError(`variant file ${path}: ${shipped}`);
  return { file, variant, spec: `${variant.target}@${variant.name}`, subject: (options) => userVariantSubject(file, variant, options) };
}

/** `data` with, at the place of each of the variant's functions, the tool's own code it names or a stand-in. */
function withStandIns(data: unknown, functions: readonly FunctionField[]): unknown {
  const out = structuredClone(data) as Record<string, unknown>;
  const own = ownCode(String(out.target));
  for (const f of functions) {
    let at: Record<string, unknown> = out;
    for (const k of f.path.slice(0, -1)) {
      const next = at[k];
      if (typeof next !== "object" || next === null) throw new Error(`internal: no field ${f.path.join(".")} in a variant's data`);
      at = next as Record<string, unknown>;
    }
    at[f.path[f.path.length - 1]!] = f.own !== undefined && own.has(f.own) ? own.get(f.own) : f.generator ? STAND_INS.generator : STAND_INS.plain;
  }
  return out;
}

/** A TypeScript or JavaScript module, in its sandbox. */
async function loadModuleFile(file: string, path: string): Promise<LoadedVariant> {
  const sandbox = new Sandbox(path);
  const { variant: data, functions } = await sandbox.load();
  const variant = withStandIns(data, functions) as UserVariant;
  // The sandbox checked the shape; what crossed from it is checked again here.
  const problem = shapeProblem(variant) ?? shippedNameProblem(variant);
  if (problem) {
    await sandbox.close();
    throw new UsageError(`variant file ${path}: its sandbox's answer does not fit the interface (${problem})`);
  }
  const subjects = new Map<string, Subject>();
  return {
    file,
    variant,
    spec: `${variant.target}@${variant.name}`,
    subject(options = {}) {
      const key = JSON.stringify(options);
      let s = subjects.get(key);
      if (!s) subjects.set(key, (s = remoteSubject(file, variant, sandbox, options)));
      return s;
    },
    close: () => sandbox.close(),
  };
}

export async function loadVariantFile(path: string, options: LoadOptions = {}): Promise<LoadedVariant> {
  const file = variantFilePath(path);
  if (extname(file) === ".c") return loadCVariantFile(file, path, options.target);
  return loadModuleFile(file, path);
}

/** Loads every file; two that define the same target@name are refused. */
export async function loadVariantFiles(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedVariant[]> {
  const out: LoadedVariant[] = [];
  try {
    for (const p of paths) {
      const v = await loadVariantFile(p, options);
      out.push(v);
      const twin = out.find((x) => x !== v && x.spec === v.spec);
      if (twin) throw new UsageError(`variant files ${twin.file} and ${v.file} both define ${v.spec}`);
    }
  } catch (e) {
    await closeAll(out);
    throw e;
  }
  return out;
}

/** Ends the sandboxes of `files`. */
export async function closeAll(files: readonly LoadedVariant[]): Promise<void> {
  await Promise.all(files.map((f) => f.close?.()));
}
