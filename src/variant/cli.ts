/** The `--variant-file` option of `check` and `replay`: repeatable, loaded before anything runs. */
import type { LoadedVariant } from "./load.js";
import { loadVariantFiles } from "./load.js";
import { checkFilesNamed } from "./resolve.js";

export type { LoadedVariant };

export const VARIANT_FILE_HELP = "a variant of your own (a .ts or .js module, see docs/writing-a-variant.md); repeatable";

/** commander's collector for a repeatable option. */
export const collectPaths = (raw: string, previous: string[] = []): string[] => [...previous, raw];

/** `check`: loads the files and makes sure each belongs to a target the command names. */
export async function loadForCheck(specs: readonly string[], paths: readonly string[] | undefined): Promise<LoadedVariant[]> {
  const files = await loadVariantFiles(paths ?? []);
  checkFilesNamed(specs, files);
  return files;
}

/** `replay`: loads the files (the token names the variant; the file defines it). */
export function loadForReplay(paths: readonly string[] | undefined): Promise<LoadedVariant[]> {
  return loadVariantFiles(paths ?? []);
}
