/**
 * kvm-ordercheck: the command line. Exit status: 0 nothing found, 1 a violation found,
 * 2 bad input (one line on stderr naming what is wrong).
 */
import { availableParallelism } from "node:os";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { TARGETS, UsageError } from "../targets/registry.js";
import type { Subject } from "../targets/target.js";
import { MAX_PROGRAMS } from "../explore/exhaustive/check.js";
import { misplacedOption } from "../explore/mode-options.js";
import { isInputError } from "./errors.js";
import type { ReproFlags } from "./repro.js";
import { REPRO_STYLES, reproRequest } from "./repro.js";
import type { OutputOptions } from "./outputs.js";
import { outputRequest } from "./outputs.js";
import { DEFAULT_REPORT_DIR } from "./outputs.js";
import type { RealOpts } from "../real/cli.js";
import type { LoadedVariant } from "../variant/cli.js";
import { BASE_HELP, PATCH_HELP, VARIANT_FILE_HELP, collectPaths, loadForCheck, loadForReplay } from "../variant/cli.js";
import { subjectsOfSpecs } from "../variant/resolve.js";
import { displayFor, forDisplay, setDisplay } from "../report/style.js";
import { VERSION } from "../version.js";
import { loreUrl } from "../report/lore.js";
import { installSignalHandlers } from "./interrupt.js";
import { FORMATS, formatOf } from "./run-output.js";

const FORMAT_HELP = "text (default), json (one versioned shape: schema/output.schema.json), ktap (the kernel's KTAP) or junit (JUnit XML)";

/** Distinct counterexamples kept per property unless --counterexamples says otherwise. */
const DEFAULT_COUNTEREXAMPLES = 3;

const intIn = (name: string, min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, not '${raw}'`);
  return n;
};

/** `i/n`: n is at most the largest bound's program count (a shard has at least one program to explore). */
const shardSpec = (raw: string) => {
  const m = /^(\d{1,7})\/(\d{1,7})$/.exec(raw.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > MAX_PROGRAMS || index >= count)
    throw new InvalidArgumentError(`--shard must be i/n with 0 <= i < n <= ${MAX_PROGRAMS}, not '${raw}'`);
  return { index, count };
};

/** --workers beyond the cores only adds threads that wait: capped, and said on stderr. */
function workersFor(asked: number | undefined): number {
  const cores = availableParallelism();
  if (asked === undefined) return cores;
  if (asked > cores) process.stderr.write(`kvm-ordercheck: --workers ${asked}: this machine has ${cores} core${cores === 1 ? "" : "s"}; using ${cores}\n`);
  return Math.min(asked, cores);
}

/** An option that would be ignored in this mode is refused instead. */
function refuseIgnored(o: CheckOpts): void {
  const cli = { ...o, strategy: o.strategy === "random" ? undefined : o.strategy };
  const wrong = misplacedOption(cli, (key) => (key === "dpor" ? "--no-dpor" : `--${key}`));
  if (wrong) throw new UsageError(wrong);
}

const oneOf = (name: string, values: readonly string[]) => (raw: string) => {
  if (!values.includes(raw)) throw new InvalidArgumentError(`${name} must be one of ${values.join(", ")}, not '${raw}'`);
  return raw;
};

interface CheckOpts extends OutputOptions {
  contract?: string;
  runs?: number;
  seed?: number;
  threads?: number;
  calls?: number;
  property?: string[];
  json?: boolean;
  format?: string;
  exhaustive?: boolean;
  preemptions?: number;
  dpor: boolean;
  workers?: number;
  shard?: { index: number; count: number };
  strategy: "random" | "pct";
  depth?: number;
  variantFile?: string[];
  patch?: string;
  base?: string;
  repro?: string;
  reproStyle?: string;
  kernelTree?: string;
  iterations?: number;
  counterexamples: number;
}

function subjectsOf(specs: readonly string[], o: CheckOpts, files: readonly LoadedVariant[] = []): { subjects: Subject[]; options: Record<string, string> } {
  const options: Record<string, string> = o.contract !== undefined ? { contract: o.contract } : {};
  return { subjects: subjectsOfSpecs(specs, files, options, o.property), options };
}

async function runCheck(specs: readonly string[], o: CheckOpts, write: (s: string) => void): Promise<number> {
  refuseIgnored(o);
  const format = formatOf(o);
  const structured = format !== "text";
  const { subjects, options } = subjectsOf(specs, o, await loadForCheck(specs, o.variantFile, { ...(o.patch !== undefined ? { file: o.patch } : {}), ...(o.base !== undefined ? { base: o.base } : {}) }));
  // Each mode's module when it runs: an exhaustive run loads no fast-check, a random one no DPOR.
  if (o.exhaustive) {
    const { runExhaustive } = await import("./check-exhaustive.js");
    return runExhaustive(
      {
        subjects,
        options,
        threads: o.threads ?? 2,
        calls: o.calls ?? 2,
        counterexamples: o.counterexamples,
        dpor: o.dpor,
        workers: workersFor(o.workers),
        format,
        repro: reproRequest(o, structured, write),
        outputs: outputRequest(o, structured, write),
        ...(o.preemptions !== undefined ? { preemptions: o.preemptions } : {}),
        ...(o.shard ? { shard: o.shard } : {}),
        ...(o.property ? { properties: o.property } : {}),
      },
      write,
    );
  }
  const { runRandom } = await import("./check-random.js");
  return runRandom(
    {
      subjects,
      options,
      runs: o.runs ?? 10_000,
      seed: o.seed ?? Date.now() % 2 ** 31,
      threads: o.threads ?? 3,
      calls: o.calls ?? 4,
      counterexamples: o.counterexamples,
      strategy: o.strategy,
      depth: o.depth ?? 3,
      format,
      repro: reproRequest(o, structured, write),
      outputs: outputRequest(o, structured, write),
      ...(o.property ? { properties: o.property } : {}),
    },
    write,
  );
}

/** The options that write a counterexample in another form: the same on check (its first one) and replay. */
function withOutputOptions(cmd: Command, which: string): Command {
  return cmd
    .option("--repro <out.c>", `write ${which} as a C program`)
    .option("--repro-style <style>", "the C program: standalone (<linux/kvm.h> and libc) or selftest (KVM selftests)", oneOf("--repro-style", REPRO_STYLES))
    .option("--kernel-tree <dir>", `write ${which} as a KVM selftest into this kernel tree (tools/testing/selftests/kvm, with its Makefile line)`)
    .option("--iterations <n>", "the C program races this many times (default: as many as fit in a few seconds)", intIn("--iterations", 1, 1_000_000_000))
    .option("--itf <file>", `write ${which} as an ITF trace (Apalache/Quint)`)
    .option("--mermaid <file>", `write ${which} as a Mermaid sequence diagram`)
    .option("--html <file>", "write the run as one self-contained HTML page");
}

function listText(): string {
  const out: string[] = [];
  for (const t of TARGETS) {
    out.push(`${t.name} — ${t.summary}`);
    for (const v of t.variants) out.push(`  @${v.name.padEnd(12)} ${v.summary}`, `                ${v.patch.title} (${v.patch.date}, ${loreUrl(v.patch.messageId)})`);
    for (const [name, values] of Object.entries(t.options ?? {})) out.push(`  option --${name} ${values.join("|")}`);
    const s = t.subject(t.variants[0]!.name);
    out.push("  properties:");
    for (const p of s.properties) out.push(`    ${p.name.padEnd(18)} ${p.statement}`);
    for (const p of s.unchecked ?? []) out.push(`    ${p.property.padEnd(18)} ${p.statement}`);
  }
  return out.join("\n");
}

/** Where stdout goes, for the text reports: a terminal (its width, Unicode, colours) or not. */
export interface Terminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * `terminal`: stdout as the executable has it (bin.ts); absent (a library caller, the
 * tests), the text keeps its Unicode and fixed widths, colours as picocolors decides.
 */
export async function main(argv: string[], write: (s: string) => void = (s) => void process.stdout.write(s), terminal?: Terminal): Promise<number> {
  let action: () => Promise<number> | number = () => 0;
  // Text as the display draws it (ASCII off a terminal); JSON, KTAP and JUnit as they are.
  const out = (o: { json?: boolean; format?: string }) => (o.json || (o.format ?? "text") !== "text" ? write : (s: string) => write(forDisplay(s)));
  if (terminal) installSignalHandlers();
  const program = new Command("kvm-ordercheck")
    .description("A model checker for the ordering contracts of the Linux KVM userspace API")
    .version(VERSION, "-V, --version", "print the version")
    .option("--color", "colours even when stdout is not a terminal (also FORCE_COLOR=1)")
    .option("--no-color", "no colours (also NO_COLOR=1)")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: write })
    .hook("preAction", () => {
      const flag = program.opts<{ color?: boolean }>().color;
      if (terminal) setDisplay(displayFor(flag, process.env, terminal));
      else if (flag !== undefined) setDisplay({ color: flag, unicode: true });
    })
    .action(() => {
      action = () =>
        runCheck(
          TARGETS.map((t) => t.name),
          { runs: 2000, dpor: true, strategy: "random", counterexamples: DEFAULT_COUNTEREXAMPLES, reportDir: DEFAULT_REPORT_DIR },
          out({}),
        );
    });
  program.command("list").description("targets, variants and properties").action(() => {
    action = () => (out({})(`${listText()}\n`), 0);
  });
  const check = program
    .command("check")
    .description("check target[@variant] (every variant when none is given)")
    .argument("<targets...>", "target or target@variant")
    .option("--runs <n>", "random runs per variant (default 10000)", intIn("--runs", 1, 10_000_000))
    .option("--seed <s>", "seed (reproduces the whole run)", intIn("--seed", -(2 ** 31), 2 ** 31 - 1))
    .option("--threads <n>", "at most this many userspace threads (random 3, exhaustive 2)", intIn("--threads", 1, 8))
    .option("--calls <n>", "at most this many calls per thread (random 4, exhaustive 2)", intIn("--calls", 1, 16))
    .option("--property <name...>", "check only these properties")
    .option(
      "--counterexamples <n>",
      "keep up to n distinct counterexamples per property (distinct by the events the violation names)",
      intIn("--counterexamples", 1, 100),
      DEFAULT_COUNTEREXAMPLES,
    )
    .option("--contract <reading>", "memory-fault targets: the api.rst reading, strict or doc (default strict)")
    .option("--strategy <name>", "random runs: uniform schedules (random) or PCT (pct)", oneOf("--strategy", ["random", "pct"]), "random")
    .option("--depth <d>", "PCT: the bug depth to target (default 3)", intIn("--depth", 1, 10))
    .option("--exhaustive", "every program up to the bound, every interleaving up to equivalence")
    .option("--preemptions <p>", "exhaustive: at most this many preemptions per execution", intIn("--preemptions", 0, 100))
    .option("--no-dpor", "exhaustive: no partial-order reduction (every interleaving)")
    .option("--workers <n>", "exhaustive: worker threads (default and most: the number of cores)", intIn("--workers", 1, 256))
    .option("--shard <i/n>", "exhaustive: explore only part i of n (combine the --json outputs with merge)", shardSpec)
    .option("--json", "print JSON (the same as --format json)")
    .option("--format <format>", FORMAT_HELP, oneOf("--format", FORMATS))
    .option("--variant-file <path>", VARIANT_FILE_HELP, collectPaths)
    .option("--patch <file>", PATCH_HELP)
    .option("--base <target@variant>", BASE_HELP);
  withOutputOptions(check, "the first counterexample")
    .option("--report-dir <dir>", "write a report directory: index.html of every variant, a page per variant, and per counterexample its Mermaid, ITF, JSON and C")
    .action((targets: string[], o: CheckOpts) => {
      action = () => runCheck(targets, o, out(o));
    });
  const replay = program
    .command("replay")
    .description("re-run a counterexample from its replay token")
    .argument("<token>")
    .option("--json", "print JSON (the same as --format json)")
    .option("--format <format>", FORMAT_HELP, oneOf("--format", FORMATS))
    .option("--variant-file <path>", "the file of the variant the token names, when it is not shipped; repeatable", collectPaths);
  withOutputOptions(replay, "the counterexample")
    .action((token: string, o: { json?: boolean; format?: string; variantFile?: string[]; repro?: string; reproStyle?: string } & OutputOptions) => {
      // Each command other than check loads its modules when it runs (the token reader's
      // schema, the merge, the diagrams): `check`, the main job, starts without them.
      action = async () => {
        const format = formatOf(o);
        const [{ runReplay }, { decodeReplay }] = await Promise.all([import("./replay.js"), import("../explore/replay.js")]);
        return runReplay(
          token,
          format,
          out(o),
          await loadForReplay(o.variantFile, () => decodeReplay(token).target),
          reproRequest(o, format !== "text", write),
          outputRequest(o, format !== "text", write),
        );
      };
    });
  program
    .command("draw")
    .description("print a target's reference machine as a Mermaid state diagram (from the xstate machine)")
    .argument("<target>", "target or target@variant")
    .action((target: string) => {
      action = async () => (await import("./draw.js")).runDraw(target, write);
    });
  program
    .command("merge")
    .description("combine the --json outputs of exhaustive shards into one verdict")
    .argument("<files...>")
    .option("--json", "print JSON (the same as --format json)")
    .option("--format <format>", FORMAT_HELP, oneOf("--format", FORMATS))
    .option("--variant-file <path>", "the file of a variant the shards are of, when it is not shipped; repeatable", collectPaths)
    .action((files: string[], o: { json?: boolean; format?: string; variantFile?: string[] }) => {
      action = async () => {
        const { runMerge, shardTarget } = await import("./merge.js");
        return runMerge(files, formatOf(o), out(o), await loadForReplay(o.variantFile, () => shardTarget(files)));
      };
    });
  program
    .command("real")
    .description("run programs on the real KVM device: x86-memfault (exit reasons), or <target> vs its model (--threads N: race mode)")
    .argument("<target>", "x86-memfault, or target[@variant]")
    .option("--runs <n>", "programs (differential 2000, x86-memfault 500, race 10)", intIn("--runs", 1, 10_000_000))
    .option("--seed <s>", "seed (reproduces the programs drawn)", intIn("--seed", -(2 ** 31), 2 ** 31 - 1))
    .option("--calls <n>", "at most this many calls per thread", intIn("--calls", 1, 16))
    .option("--threads <n>", "race mode: this many real threads", intIn("--threads", 1, 8))
    .option("--repeat <r>", "race mode: repetitions per program (default 200)", intIn("--repeat", 1, 1_000_000))
    .option("--device <path>", "the KVM device (default $KVM_DEVICE or /dev/kvm)")
    .option("--watchdog <ms>", "stop a KVM_RUN after this many milliseconds", intIn("--watchdog", 1, 60_000))
    .option("--program <json>", "run this program ([[call, ...], ...]) instead of drawing programs")
    .option("--json", "print JSON (the same as --format json)")
    .option("--format <format>", FORMAT_HELP, oneOf("--format", FORMATS))
    .action((target: string, o: RealOpts) => {
      // The real backend (koffi's native module, fast-check) loads only for this command.
      action = async () => (await import("../real/cli.js")).runReal(target, o, out(o));
    });
  try {
    const first = argv[0];
    if (first !== undefined && !first.startsWith("-") && !program.commands.some((c) => c.name() === first))
      throw new UsageError(`unknown command '${first}' (commands: ${program.commands.map((c) => c.name()).join(", ")})`);
    program.parse(argv, { from: "user" });
    return await action();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      process.stderr.write(`kvm-ordercheck: ${e.message.replace(/^error: /, "")}\n`);
      return 2;
    }
    if (isInputError(e)) {
      process.stderr.write(`kvm-ordercheck: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
