/**
 * kvm-ordercheck: the command line. Exit status: 0 nothing found, 1 a violation found,
 * 2 bad input (one line on stderr naming what is wrong).
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { counterexampleOf } from "../explore/counterexample.js";
import type { CheckReport } from "../explore/random.js";
import { checkRandom } from "../explore/random.js";
import { BadTokenError, decodeReplay } from "../explore/replay.js";
import { ProgramError } from "../kernel/uapi/caps.js";
import { checkReportJson, counterexampleJson, matrixJson } from "../report/json.js";
import { checkReportText, counterexampleText, matrixText } from "../report/text.js";
import { TARGETS, UsageError, findTarget, resolveSpec } from "../targets/registry.js";

const intIn = (name: string, min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, not '${raw}'`);
  return n;
};

interface CheckOpts {
  contract?: string;
  runs: number;
  seed?: number;
  threads: number;
  calls: number;
  property?: string[];
  json?: boolean;
}

function runCheck(specs: string[], o: CheckOpts): number {
  const seed = o.seed ?? Date.now() % 2 ** 31;
  const options: Record<string, string> = o.contract !== undefined ? { contract: o.contract } : {};
  const jobs = specs.flatMap((spec) => {
    const { target, variants } = resolveSpec(spec);
    for (const name of Object.keys(options))
      if (!target.options?.[name]) throw new UsageError(`${target.name} takes no --${name} option`);
    return variants.map((v) => ({ target, subject: target.subject(v, options) }));
  });
  for (const p of o.property ?? []) {
    for (const { subject } of jobs)
      if (!subject.properties.some((x) => x.name === p))
        throw new UsageError(`unknown property '${p}' for ${subject.target} (known: ${subject.properties.map((x) => x.name).join(", ")})`);
  }
  const reports: CheckReport[] = jobs.map(({ subject }) =>
    checkRandom(subject, {
      runs: o.runs,
      seed,
      maxThreads: o.threads,
      maxCalls: o.calls,
      options,
      ...(o.property ? { properties: o.property } : {}),
    }),
  );
  if (o.json) {
    const out = reports.length === 1 ? checkReportJson(reports[0]!) : matrixJson(reports);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (reports.length === 1) {
    process.stdout.write(`${checkReportText(reports[0]!, jobs[0]!.subject)}\n`);
  } else {
    // One matrix per target: targets do not share properties.
    for (const name of [...new Set(reports.map((r) => r.target))]) {
      const rows = reports.filter((r) => r.target === name);
      process.stdout.write(`${matrixText(rows)}\n`);
      for (const r of rows)
        for (const v of r.verdicts)
          if (v.verdict === "violated") process.stdout.write(`  ${r.target}@${r.variant} ${v.property}: kvm-ordercheck replay ${v.counterexample.replay}\n`);
      process.stdout.write("\n");
    }
    const ms = reports.reduce((n, r) => n + r.stats.ms, 0);
    const ex = reports.reduce((n, r) => n + r.stats.executions, 0);
    process.stdout.write(`${ex} executions in ${ms} ms (seed ${seed}); a cell's details: kvm-ordercheck check <target>@<variant> --seed ${seed}\n`);
  }
  return reports.some((r) => r.verdicts.some((v) => v.verdict === "violated")) ? 1 : 0;
}

function runReplay(token: string, json: boolean): number {
  const spec = decodeReplay(token);
  const target = findTarget(spec.target);
  const { variants } = resolveSpec(`${spec.target}@${spec.variant}`);
  const subject = target.subject(variants[0]!, spec.options);
  if (!subject.properties.some((p) => p.name === spec.property))
    throw new UsageError(`replay token names unknown property '${spec.property}'`);
  const known = new Set(subject.alphabet.map((c) => c.ioctl));
  for (const call of spec.threads.flat())
    if (!known.has(call.ioctl)) throw new UsageError(`replay token's program has a call ${spec.target} does not know: '${call.ioctl}'`);
  const cx = counterexampleOf(subject, spec.options, spec.property, spec.threads, spec.decisions);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ target: spec.target, variant: spec.variant, verdict: cx ? "violated" : "holds", property: spec.property, counterexample: cx ? counterexampleJson(cx) : null }, null, 2)}\n`,
    );
  } else if (cx) process.stdout.write(`${spec.target}@${spec.variant}\n${counterexampleText(cx)}\n`);
  else process.stdout.write(`${spec.target}@${spec.variant}: ${spec.property} holds on this execution\n`);
  return cx ? 1 : 0;
}

function listText(): string {
  const out: string[] = [];
  for (const t of TARGETS) {
    out.push(`${t.name} — ${t.summary}`);
    for (const v of t.variants) out.push(`  @${v.name.padEnd(8)} ${v.summary}`, `             ${v.patch.title} (${v.patch.date}, <${v.patch.messageId}>)`);
    const s = t.subject(t.variants[0]!.name);
    out.push("  properties:");
    for (const p of s.properties) out.push(`    ${p.name.padEnd(18)} ${p.statement}`);
  }
  return out.join("\n");
}

export function main(argv: string[]): number {
  let code = 0;
  const program = new Command("kvm-ordercheck")
    .description("A model checker for the ordering contracts of the Linux KVM userspace API")
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(() => {
      code = runCheck(TARGETS.map((t) => t.name), { runs: 2000, threads: 3, calls: 4 });
    });
  program.command("list").description("targets, variants and properties").action(() => {
    process.stdout.write(`${listText()}\n`);
  });
  program
    .command("check")
    .description("check target[@variant] (every variant when none is given)")
    .argument("<targets...>", "target or target@variant")
    .option("--runs <n>", "random runs per variant", intIn("--runs", 1, 10_000_000), 10_000)
    .option("--seed <s>", "seed (reproduces the whole run)", intIn("--seed", -(2 ** 31), 2 ** 31 - 1))
    .option("--threads <n>", "at most this many userspace threads", intIn("--threads", 1, 8), 3)
    .option("--calls <n>", "at most this many calls per thread", intIn("--calls", 1, 16), 4)
    .option("--property <name...>", "check only these properties")
    .option("--contract <reading>", "memory-fault targets: the api.rst reading, strict or doc (default strict)")
    .option("--json", "print one JSON object (with a matrix for several variants)")
    .action((targets: string[], o: CheckOpts) => {
      code = runCheck(targets, o);
    });
  program
    .command("replay")
    .description("re-run a counterexample from its replay token")
    .argument("<token>")
    .option("--json", "print JSON")
    .action((token: string, o: { json?: boolean }) => {
      code = runReplay(token, Boolean(o.json));
    });
  try {
    const first = argv[0];
    if (first !== undefined && !first.startsWith("-") && !program.commands.some((c) => c.name() === first))
      throw new UsageError(`unknown command '${first}' (commands: ${program.commands.map((c) => c.name()).join(", ")})`);
    program.parse(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      process.stderr.write(`kvm-ordercheck: ${e.message.replace(/^error: /, "")}\n`);
      return 2;
    }
    if (e instanceof UsageError || e instanceof BadTokenError || e instanceof ProgramError) {
      process.stderr.write(`kvm-ordercheck: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
