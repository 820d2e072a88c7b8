/**
 * `target[@variant]` when variant files are loaded: a file's variant is one more
 * variant of its target, `<target>@<name>`, beside the shipped ones.
 */
import { UsageError } from "../targets/errors.js";
import { findTarget } from "../targets/registry.js";
import type { Subject, TargetOptions } from "../targets/target.js";
import type { LoadedVariant } from "./load.js";

/** The subjects `spec` names: a target's shipped variants and its file variants, or the one variant. */
export function subjectsOfSpec(spec: string, files: readonly LoadedVariant[], options: TargetOptions): Subject[] {
  const [name, variant, extra] = spec.split("@");
  if (extra !== undefined || !name) throw new UsageError(`malformed target '${spec}' (expected <target>[@<variant>])`);
  const target = findTarget(name);
  const mine = files.filter((f) => f.variant.target === target.name);
  if (variant === undefined) return [...target.variants.map((v) => target.subject(v.name, options)), ...mine.map((f) => f.subject(options))];
  const file = mine.find((f) => f.variant.name === variant);
  if (file) return [file.subject(options)];
  if (!target.variants.some((v) => v.name === variant)) {
    const known = [...target.variants.map((v) => v.name), ...mine.map((f) => f.variant.name)];
    throw new UsageError(`unknown variant '${variant}' of ${name} (known: ${known.join(", ")})`);
  }
  return [target.subject(variant, options)];
}

/**
 * The subjects of `specs` under `options`, refusing an option a target does not take
 * and a property one of them does not have. `flag` spells an option name the way the
 * caller's user writes it (`--contract` on the command line, `contract` in the library).
 */
export function subjectsOfSpecs(
  specs: readonly string[],
  files: readonly LoadedVariant[],
  options: TargetOptions,
  properties: readonly string[] = [],
  flag = (name: string) => `--${name}`,
): Subject[] {
  const subjects = specs.flatMap((spec) => {
    const subjects = subjectsOfSpec(spec, files, options);
    const target = findTarget(subjects[0]!.target);
    for (const name of Object.keys(options)) if (!target.options?.[name]) throw new UsageError(`${target.name} takes no ${flag(name)} option`);
    return subjects;
  });
  for (const p of properties)
    for (const s of subjects)
      if (!s.properties.some((x) => x.name === p))
        throw new UsageError(`unknown property '${p}' for ${s.target} (known: ${s.properties.map((x) => x.name).join(", ")})`);
  return subjects;
}

/** Every file's variant must belong to a target the command names, or it would be silently left out. */
export function checkFilesNamed(specs: readonly string[], files: readonly LoadedVariant[]): void {
  const targets = new Set(specs.map((s) => s.split("@")[0]));
  for (const f of files)
    if (!targets.has(f.variant.target))
      throw new UsageError(`variant file ${f.file} is a variant of ${f.variant.target}, which this command does not check (check ${f.spec} --variant-file <file>)`);
}

/** The subject a replay token names: a loaded file's variant, or a shipped one. */
export function replaySubject(spec: { readonly target: string; readonly variant: string; readonly options: TargetOptions }, files: readonly LoadedVariant[]): Subject {
  const file = files.find((f) => f.spec === `${spec.target}@${spec.variant}`);
  if (file) return file.subject(spec.options);
  const target = findTarget(spec.target);
  if (!target.variants.some((v) => v.name === spec.variant))
    throw new UsageError(
      `replay token names ${spec.target}@${spec.variant}, which is not shipped` +
        (files.length ? ` nor defined by ${files.map((f) => f.file).join(", ")}` : ": replay a variant of your own with --variant-file <path>"),
    );
  return target.subject(spec.variant, spec.options);
}
