/** The `--variant-file` option of `check` and `replay`: repeatable, loaded before anything runs. */
import type { LoadedVariant } from "./load.js";
import { UsageError } from "../targets/errors.js";
import { checkFilesNamed } from "./resolve.js";

/**
 * The loaders (tsx for TypeScript files, tree-sitter for C, jsdiff for patches) are
 * imported when a command has a file to load: a run of the shipped variants starts
 * without them.
 */
const loadVariantFiles: typeof import("./load.js").loadVariantFiles = async (paths, opts) =>
  paths.length === 0 ? [] : (await import("./load.js")).loadVariantFiles(paths, opts);

export type { LoadedVariant };

export const VARIANT_FILE_HELP = "a variant of your own (a .c file of the patch's kernel functions, or a .ts/.js module; see docs/writing-a-variant.md); repeatable";

/** commander's collector for a repeatable option. */
export const collectPaths = (raw: string, previous: string[] = []): string[] => [...previous, raw];

/** `check`: loads the files and makes sure each belongs to a target the command names. */
export const PATCH_HELP = "a patch (git format-patch file, or a b4 mailbox of a series) to apply to the C of --base and check as a new variant";
export const BASE_HELP = "the shipped variant (target@variant) whose C --patch applies to (default: the target's newest)";

export async function loadForCheck(specs: readonly string[], paths: readonly string[] | undefined, patch?: { readonly file?: string; readonly base?: string }): Promise<LoadedVariant[]> {
  const target = cTarget(specs, (paths ?? []).find((p) => p.endsWith(".c")) ?? (patch?.file !== undefined ? `--patch ${patch.file}` : undefined));
  const files = await loadVariantFiles(paths ?? [], target !== undefined ? { target } : {});
  if (patch?.base !== undefined && patch.file === undefined) throw new UsageError("--base goes with --patch");
  if (patch?.file !== undefined) {
    const v = await (await import("./patch/apply.js")).loadPatchVariant(patch.file, target!, patch.base);
    const twin = files.find((x) => x.spec === v.spec);
    if (twin) throw new UsageError(`--patch ${patch.file} and variant file ${twin.file} both define ${v.spec}`);
    files.push(v);
  }
  checkFilesNamed(specs, files);
  return files;
}

/** The target of the command's C variant (`c` names it, if there is one): the one target the command names. */
export function cTarget(specs: readonly string[], c: string | undefined): string | undefined {
  const targets = [...new Set(specs.map((s) => s.split("@")[0]!))];
  if (c && targets.length > 1) throw new UsageError(`${c}: a C variant belongs to the one target the command checks, and this one names ${targets.join(", ")}`);
  return targets[0];
}

/**
 * `replay` and `merge`: loads the files. The token (replay) or the shard files (merge)
 * name the variant and its target; the file defines it. A C file has no target of its
 * own, so it takes the one they name.
 */
export function loadForReplay(paths: readonly string[] | undefined, target: () => string): Promise<LoadedVariant[]> {
  const c = (paths ?? []).some((p) => p.endsWith(".c"));
  return loadVariantFiles(paths ?? [], c ? { target: target() } : {});
}
