/**
 * `--variant-file <path>`: a variant of one's own, loaded in a sandbox (sandbox/: a
 * worker thread that imports the file, module.ts) and made checkable. The checker gets
 * the variant as data, read once (no getter is asked twice), checked against its
 * target's interface here again, and a subject whose every run of the file's code goes
 * to the sandbox (remote.ts). Whatever is wrong, one line naming the file and the
 * problem (a UsageError: exit 2).
 */
import { UsageError } from "../targets/errors.js";
import { findTarget } from "../targets/registry.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import type { UserVariant } from "./interface.js";
import { variantFilePath } from "./module.js";
import { STAND_INS, remoteSubject } from "./remote.js";
import { Sandbox } from "./sandbox/host.js";
import type { FunctionField } from "./sandbox/protocol.js";
import { shapeProblem } from "./schema.js";

export interface LoadedVariant {
  /** The absolute path it was loaded from. */
  readonly file: string;
  /** The variant as data; its functions are stand-ins (the code runs in the sandbox only). */
  readonly variant: UserVariant;
  /** `target@name` */
  readonly spec: string;
  subject(options?: TargetOptions): Subject;
  /** Ends the file's sandbox (an idle one does not keep the process alive). */
  close(): Promise<void>;
}

/** `data` with a stand-in at the place of each of the variant's functions. */
function withStandIns(data: unknown, functions: readonly FunctionField[]): unknown {
  const out = structuredClone(data) as Record<string, unknown>;
  for (const f of functions) {
    let at: Record<string, unknown> = out;
    for (const k of f.path.slice(0, -1)) {
      const next = at[k];
      if (typeof next !== "object" || next === null) throw new Error(`internal: no field ${f.path.join(".")} in a variant's data`);
      at = next as Record<string, unknown>;
    }
    at[f.path[f.path.length - 1]!] = f.generator ? STAND_INS.generator : STAND_INS.plain;
  }
  return out;
}

export async function loadVariantFile(path: string): Promise<LoadedVariant> {
  const file = variantFilePath(path);
  const sandbox = new Sandbox(path);
  const { variant: data, functions } = await sandbox.load();
  const variant = withStandIns(data, functions) as UserVariant;
  // The sandbox checked the shape; what crossed from it is checked again here.
  const problem = shapeProblem(variant) ?? (findTarget(variant.target).variants.some((x) => x.name === variant.name) ? "a shipped name" : null);
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

/** Loads every file; two that define the same target@name are refused. */
export async function loadVariantFiles(paths: readonly string[]): Promise<LoadedVariant[]> {
  const out: LoadedVariant[] = [];
  try {
    for (const p of paths) {
      const v = await loadVariantFile(p);
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
  await Promise.all(files.map((f) => f.close()));
}
