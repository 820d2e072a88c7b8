/**
 * Which options of a check belong to which mode: random runs (`runs`, `seed`,
 * `strategy`, `depth`) or exhaustive mode (`preemptions`, no DPOR, `workers`, `shard`).
 * An option of the other mode, or `depth` without PCT, would be ignored silently; the
 * CLI and the library refuse it instead, each spelling the option its own way.
 */
export interface ModeOptions {
  readonly exhaustive?: boolean | undefined;
  readonly runs?: number | undefined;
  readonly seed?: number | undefined;
  readonly strategy?: string | undefined;
  readonly depth?: number | undefined;
  readonly preemptions?: number | undefined;
  readonly dpor?: boolean | undefined;
  readonly workers?: number | undefined;
  readonly shard?: unknown;
}

type Key = keyof ModeOptions;

/** Null, or the one line saying which option does not apply (`flag` spells an option as its user writes it). */
export function misplacedOption(o: ModeOptions, flag: (key: Key) => string): string | null {
  if (o.exhaustive) {
    if (o.strategy !== undefined && o.strategy !== "random") return `${flag("strategy")} applies to random runs, not ${flag("exhaustive")}`;
    for (const key of ["runs", "seed", "depth"] as const) if (o[key] !== undefined) return `${flag(key)} applies to random runs, not ${flag("exhaustive")}`;
    return null;
  }
  for (const key of ["shard", "preemptions", "workers"] as const) if (o[key] !== undefined) return `${flag(key)} goes with ${flag("exhaustive")}`;
  if (o.dpor === false) return `${flag("dpor")} goes with ${flag("exhaustive")}`;
  if (o.depth !== undefined && o.strategy !== "pct") return `${flag("depth")} goes with ${flag("strategy")} pct (the uniform strategy has no depth)`;
  return null;
}
