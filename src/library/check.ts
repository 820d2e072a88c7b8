/**
 * The checker as functions: check `target[@variant]` or a variant file, random or
 * exhaustive, with the CLI's options, and get one verdict object per target@variant.
 * Bad input throws `UsageError` (the CLI's exit 2); a violation is a verdict, not an error.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
import type { Counterexample, CounterexampleSize } from "../explore/counterexample.js";
import { checkExhaustiveParallel } from "../explore/exhaustive/workers.js";
import { misplacedOption } from "../explore/mode-options.js";
import { checkRandomOf } from "../variant/sandboxed.js";
import type { CheckStats } from "../explore/random.js";
import { allFindingsOf, exhaustiveJson } from "../report/exhaustive.js";
import { UsageError } from "../targets/errors.js";
import type { Subject } from "../targets/target.js";
import type { LoadedVariant } from "../variant/load.js";
import { closeAll, loadVariantFile, loadVariantFiles } from "../variant/load.js";
import { subjectsOfSpecs } from "../variant/resolve.js";

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** The CLI's `check` options, by the same names (camelCase). Defaults as the CLI's, except `seed` and `workers`. */
const CheckOptionsSchema = z.strictObject({
  /** `--exhaustive`: every program up to the bound instead of random runs. */
  exhaustive: z.boolean().optional(),
  /** `--runs` (random; default 10000). */
  runs: int(1, 10_000_000).optional(),
  /** `--seed` (random; default 1, so that a test suite is reproducible; the CLI's default is the time). */
  seed: int(-(2 ** 31), 2 ** 31 - 1).optional(),
  /** `--threads` (random 3, exhaustive 2), `--calls` (random 4, exhaustive 2). */
  threads: int(1, 8).optional(),
  calls: int(1, 16).optional(),
  /** `--counterexamples`: distinct counterexamples kept per property (default 3, as the CLI's). */
  counterexamples: int(1, 100).optional(),
  /** `--property`: only these. */
  properties: z.array(z.string()).optional(),
  /** `--contract` (memory-fault targets): strict or doc. */
  contract: z.string().optional(),
  /** `--strategy` and `--depth` (random). */
  strategy: z.enum(["random", "pct"]).optional(),
  depth: int(1, 10).optional(),
  /** `--preemptions`, `--no-dpor` (dpor: false), `--workers` (exhaustive; default 1 here, the CLI's is the number of cores). */
  preemptions: int(0, 100).optional(),
  dpor: z.boolean().optional(),
  workers: int(1, 256).optional(),
  /** `--variant-file`: variants of your own, checked beside the shipped ones of their target. */
  variantFiles: z.array(z.string()).optional(),
});

export type CheckOptions = z.input<typeof CheckOptionsSchema>;

export type PropertyResult =
  | { readonly property: string; readonly statement: string; readonly verdict: "holds"; /** exhaustive: what was proved */ readonly proof?: string }
  | { readonly property: string; readonly statement: string; readonly verdict: "n/a"; readonly why: string }
  | {
      readonly property: string;
      readonly statement: string;
      readonly verdict: "violated";
      readonly message: string;
      readonly size: CounterexampleSize;
      /** `kvm-ordercheck replay <replay>` (add `--variant-file <source>` for a variant from a file). */
      readonly replay: string;
      readonly counterexample: Counterexample;
      /** Every distinct counterexample kept (`counterexamples`), the first one first. */
      readonly counterexamples: readonly Counterexample[];
    };

export interface Verdict {
  readonly target: string;
  readonly variant: string;
  /** `target@variant` */
  readonly spec: string;
  /** The variant file, for a variant from one. */
  readonly source?: string;
  readonly mode: "random" | "exhaustive";
  /** No property violated. */
  readonly holds: boolean;
  readonly properties: readonly PropertyResult[];
  /** Exhaustive: one statement per holding property (empty for random runs, which prove nothing). */
  readonly proof: readonly string[];
  /** Random: the seed (reproduces the run) and fast-check's counts. */
  readonly seed?: number;
  readonly stats: CheckStats | { readonly programs: number; readonly executions: number; readonly classes: number; readonly ms: number };
}

function parseOptions(opts: CheckOptions): z.output<typeof CheckOptionsSchema> {
  const r = CheckOptionsSchema.safeParse(opts);
  if (r.success) {
    const wrong = misplacedOption(r.data, (key) => (key === "dpor" ? "dpor: false" : key === "exhaustive" ? "exhaustive: true" : key));
    if (wrong) throw new UsageError(`check option ${wrong}`);
    return r.data;
  }
  const issue = r.error.issues[0]!;
  const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
  throw new UsageError(`check option ${issue.path.map(String).join(".") || ""}: ${issue.message}${keys}`.replace(/\s+/g, " "));
}

/** The subjects of `specs`, with the CLI's checks of options and property names. */
function subjectsOf(specs: readonly string[], files: readonly LoadedVariant[], o: z.output<typeof CheckOptionsSchema>): Subject[] {
  const options: Record<string, string> = o.contract !== undefined ? { contract: o.contract } : {};
  return subjectsOfSpecs(specs, files, options, o.properties, (name) => name);
}

const statementOf = (s: Subject, p: string) => s.properties.find((x) => x.name === p)?.statement ?? "";

function violated(s: Subject, cxs: readonly Counterexample[]): PropertyResult {
  const cx = cxs[0]!;
  return {
    property: cx.property,
    statement: statementOf(s, cx.property),
    verdict: "violated",
    message: cx.message,
    size: cx.size,
    replay: cx.replay,
    counterexample: cx,
    counterexamples: cxs,
  };
}

const COUNTEREXAMPLES = 3;

async function checkSubject(s: Subject, o: z.output<typeof CheckOptionsSchema>): Promise<Verdict> {
  const options: Record<string, string> = o.contract !== undefined ? { contract: o.contract } : {};
  const head = { target: s.target, variant: s.variant, spec: `${s.target}@${s.variant}`, ...(s.source ? { source: s.source } : {}) };
  if (o.exhaustive) {
    const r = await checkExhaustiveParallel(
      s,
      options,
      {
        threads: o.threads ?? 2,
        calls: o.calls ?? 2,
        reduction: o.dpor === false ? "none" : "dpor",
        options,
        counterexamples: o.counterexamples ?? COUNTEREXAMPLES,
        ...(o.preemptions !== undefined ? { preemptions: o.preemptions } : {}),
        ...(o.properties ? { properties: o.properties } : {}),
      },
      Math.min(o.workers ?? 1, availableParallelism()),
    );
    const all = allFindingsOf(s, r);
    const proof = exhaustiveJson(s, r).proof;
    const properties = r.properties.map((p): PropertyResult => {
      const cxs = all.get(p);
      if (cxs) return violated(s, cxs);
      const stmt = proof.find((x) => x.startsWith(`${p} holds `));
      return { property: p, statement: statementOf(s, p), verdict: "holds", ...(stmt ? { proof: stmt } : {}) };
    });
    return {
      ...head,
      mode: "exhaustive",
      holds: all.size === 0,
      properties,
      proof,
      stats: { programs: r.programs, executions: r.executions, classes: r.classes, ms: r.ms },
    };
  }
  const seed = o.seed ?? 1;
  const report = await checkRandomOf(s, {
    runs: o.runs ?? 10_000,
    seed,
    maxThreads: o.threads ?? 3,
    maxCalls: o.calls ?? 4,
    options,
    counterexamples: o.counterexamples ?? COUNTEREXAMPLES,
    strategy: o.strategy === "pct" ? { kind: "pct", depth: o.depth ?? 3 } : { kind: "uniform" },
    ...(o.properties ? { properties: o.properties } : {}),
  });
  const properties = report.verdicts.map((v): PropertyResult => (v.verdict === "violated" ? violated(s, v.counterexamples) : v));
  return { ...head, mode: "random", holds: !properties.some((p) => p.verdict === "violated"), properties, proof: [], seed, stats: report.stats };
}

/**
 * Checks `spec`, `target` (every shipped variant, and those of `variantFiles`) or
 * `target@variant`: one verdict per variant, in the CLI's order.
 */
export async function check(spec: string, opts: CheckOptions = {}): Promise<Verdict[]> {
  const o = parseOptions(opts);
  const files = await loadVariantFiles(o.variantFiles ?? [], { target: spec.split("@")[0]! });
  try {
    const out: Verdict[] = [];
    for (const s of subjectsOf([spec], files, o)) out.push(await checkSubject(s, o));
    return out;
  } finally {
    await closeAll(files);
  }
}

/**
 * Checks the variant a file defines (see docs/writing-a-variant.md). A C file needs
 * `target` (a TypeScript module names its own).
 */
export async function checkVariantFile(path: string, opts: Omit<CheckOptions, "variantFiles"> & { readonly target?: string } = {}): Promise<Verdict> {
  const { target, ...rest } = opts;
  const o = parseOptions(rest);
  const file = await loadVariantFile(path, target !== undefined ? { target } : {});
  try {
    const [s] = subjectsOf([file.spec], [file], o);
    return await checkSubject(s!, o);
  } finally {
    await file.close?.();
  }
}

/** One line per violated property: what, how small, and the command that replays it. */
export function describeViolations(verdicts: readonly Verdict[]): string[] {
  return verdicts.flatMap((v) =>
    v.properties.flatMap((p) =>
      p.verdict === "violated"
        ? [
            `${v.spec} violates ${p.property}: ${p.message} (${p.size.calls} calls, ${p.size.threads} threads, ${p.size.preemptions} preemptions); ` +
              `replay: kvm-ordercheck replay ${p.replay}${v.source ? ` --variant-file ${v.source}` : ""}`,
          ]
        : [],
    ),
  );
}
