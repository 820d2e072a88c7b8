/**
 * `kvm-ordercheck real <target>`: the real-kernel modes.
 *
 *   real x86-memfault              exit-reason properties on real KVM_RUN sequences
 *   real <target> [--runs N]       differential: one-thread programs, kernel vs model
 *   real <target> --threads N      race: N real threads, repeated, linearizability
 *
 * Exit status: 0 nothing found, 1 a difference / violation found, 2 bad input or no
 * usable KVM device (one line saying so).
 */
import { parseProgram as parseProgramInput } from "../program/schema.js";
import { loadOutputSchema, outputJsonText } from "../report/json.js";
import type { RealResultJson } from "../report/schema.js";
import { UsageError } from "../targets/errors.js";
import type { Threads } from "../targets/target.js";
import { subjectsOfSpec } from "../variant/resolve.js";
import { RealBackend, arenaSizeFor } from "./backend.js";
import { DeviceUnavailable, devicePath } from "./device.js";
import { compareProgram, runDifferential } from "./differential.js";
import { runExitReasons } from "./exit-reasons.js";
import { runRace } from "./race.js";
import { comparisonJson, differentialJson, exitReasonJson, raceJson } from "./json.js";
import { comparisonText, differentialText, exitReasonText, raceText } from "./report.js";
import { comparisonTests, differentialTests, exitReasonTests, raceTests } from "./tests.js";
import type { Format } from "../cli/run-output.js";
import { formatOf } from "../cli/run-output.js";
import { junitGroupsXml } from "../report/junit.js";
import { ktapHeader, ktapTest } from "../report/ktap.js";
import type { TestGroup } from "../report/test-cases.js";

export interface RealOpts {
  runs?: number;
  seed?: number;
  calls?: number;
  threads?: number;
  repeat?: number;
  device?: string;
  watchdog?: number;
  /** A program as JSON: an array of threads, each an array of calls. */
  program?: string;
  json?: boolean;
  /** text (default), json, ktap or junit (cli/run-output.ts's formats). */
  format?: string;
}

/** One report in the --json envelope every command prints (report/schema.ts checks its shape as it is printed). */
const asJson = (x: unknown): string => outputJsonText("real", [x as RealResultJson]).trimEnd();

/** One report in the run's format: each format's rendering is made only when asked for. */
function render(format: Format, text: () => string, json: () => unknown, tests: () => TestGroup): string {
  switch (format) {
    case "json":
      return `${asJson(json())}\n`;
    case "ktap":
      return ktapHeader(1) + ktapTest(1, tests());
    case "junit":
      return junitGroupsXml([tests()]);
    case "text":
      return `${text()}\n`;
  }
}

/** `--program '[[{"ioctl": ...}], [...]]'`: threads of calls (program/schema.ts checks every field), or a one-line error. */
export function parseProgram(json: string): Threads {
  let p: unknown;
  try {
    p = JSON.parse(json);
  } catch {
    throw new UsageError("--program is not JSON (expected [[call, ...], ...])");
  }
  const threads = parseProgramInput(p, "--program", (line) => new UsageError(line));
  // userspace_addr is an offset into one anonymous mapping (backend.ts), which must fit the address space.
  for (const [t, calls] of threads.entries())
    for (const [k, c] of calls.entries())
      if (arenaSizeFor([c]) > MAX_ARENA)
        throw new UsageError(`--program[${t}][${k}]: userspace_addr + memory_size is beyond the real backend's arena (${MAX_ARENA / 2 ** 30} GiB; userspace_addr is an offset into it)`);
  return threads;
}

/** The largest arena `real` maps for a given program: address space only (MAP_NORESERVE), far below x86-64's 128 TiB. */
const MAX_ARENA = 2 ** 36;

/** The exit-reason mode's name: the target whose properties it checks. */
const EXIT_REASON_TARGET = "x86-memfault";

function backendFor(device: string, arenaSize: number, watchdogMs: number): RealBackend {
  try {
    return new RealBackend({ device, arenaSize, watchdogMs });
  } catch (e) {
    if (e instanceof DeviceUnavailable) throw new UsageError(e.message);
    throw e;
  }
}

function commandLine(spec: string, o: RealOpts, seed: number, runs: number): string {
  const parts = ["kvm-ordercheck real", spec, `--runs ${runs}`, `--seed ${seed}`];
  if (o.calls !== undefined) parts.push(`--calls ${o.calls}`);
  if (o.device !== undefined) parts.push(`--device ${o.device}`);
  return parts.join(" ");
}

export async function runReal(spec: string, o: RealOpts, write: (s: string) => void): Promise<number> {
  const format = formatOf(o);
  if (format === "json") await loadOutputSchema();
  const seed = o.seed ?? Date.now() % 2 ** 31;
  const device = devicePath(o.device);
  const watchdogMs = o.watchdog ?? 50;
  const [name, variant] = spec.split("@");
  if (name === EXIT_REASON_TARGET) {
    if (variant !== undefined && variant !== "current") throw new UsageError(`real ${EXIT_REASON_TARGET} runs on this kernel: no variant '${variant}'`);
    if (o.threads !== undefined && o.threads > 1) throw new UsageError(`real ${EXIT_REASON_TARGET} runs one vCPU thread; --threads does not apply`);
    if (o.program !== undefined || o.repeat !== undefined)
      throw new UsageError(`--${o.program !== undefined ? "program" : "repeat"} does not apply to ${EXIT_REASON_TARGET} (it draws its own KVM_RUN programs)`);
    const runs = o.runs ?? 500;
    // A spinning guest costs one watchdog period: keep it short here.
    const backend = backendFor(device, 0, o.watchdog ?? 10);
    try {
      const rep = runExitReasons(backend, { runs, seed, calls: o.calls ?? 6 });
      const command = commandLine(spec, o, seed, runs);
      write(
        render(
          format,
          () => exitReasonText(rep, device, command),
          () => exitReasonJson(rep, { device, command }),
          () => exitReasonTests(rep, device, command),
        ),
      );
      return rep.outcomes.every((x) => x.holds) ? 0 : 1;
    } finally {
      backend.close();
    }
  }
  const subject = subjectsOfSpec(spec, [], {})[0]!;
  // The host is x86-64: another architecture's programs would compare nothing.
  if (!subject.target.startsWith("x86-"))
    throw new UsageError(`real runs x86 targets on this host; ${subject.target} models another architecture`);
  const arenaCalls = [...(subject.fixture ?? []), ...subject.alphabet];
  const arena = arenaSizeFor(arenaCalls);
  const given = o.program !== undefined ? parseProgram(o.program) : undefined;
  // They shape the programs drawn; with --program none are drawn.
  for (const flag of ["runs", "calls", "seed"] as const)
    if (given && o[flag] !== undefined) throw new UsageError(`--${flag} draws programs; --program gives the one to run`);
  if (given && o.threads !== undefined && given.length !== o.threads)
    throw new UsageError(`--program has ${given.length} threads, --threads says ${o.threads}`);
  const threads = o.threads ?? given?.length;
  if (threads !== undefined && threads > 1) {
    const backend = backendFor(device, arenaSizeFor([...arenaCalls, ...(given ?? []).flat()]), watchdogMs);
    try {
      const rep = await runRace(
        subject,
        backend,
        {
          threads,
        programs: o.runs ?? 10,
        repeat: o.repeat ?? 200,
        seed,
          calls: o.calls ?? 2,
          watchdogMs,
        },
        given ? [given] : undefined,
      );
      const command = given
        ? `kvm-ordercheck real ${spec} --program '${JSON.stringify(given)}' --repeat ${rep.options.repeat}${o.device !== undefined ? ` --device ${o.device}` : ""}`
        : `${commandLine(spec, o, seed, rep.options.programs)} --threads ${threads} --repeat ${rep.options.repeat}`;
      write(
        render(
          format,
          () => raceText(rep, device),
          () => raceJson(rep, { device }),
          () => raceTests(rep, device, command),
        ),
      );
      const bad = rep.programs.some((p) => p.notLinearizable > 0 || p.real.some((r) => !r.possible));
      return bad ? 1 : 0;
    } finally {
      backend.close();
    }
  }
  if (o.repeat !== undefined) throw new UsageError("--repeat goes with --threads (race mode)");
  if (given) {
    // One program, one thread: both worlds, call by call.
    const backend = backendFor(device, arenaSizeFor([...arenaCalls, ...given.flat()]), watchdogMs);
    try {
      const calls = compareProgram(subject, backend, given[0]!);
      const command = `kvm-ordercheck real ${spec} --program '${JSON.stringify(given)}'${o.device !== undefined ? ` --device ${o.device}` : ""}`;
      write(
        render(
          format,
          () => comparisonText(subject.target, subject.variant, calls, device),
          () => comparisonJson(subject.target, subject.variant, calls, { device }),
          () => comparisonTests(subject.target, subject.variant, calls, device, command),
        ),
      );
      return calls.some((c) => c.differs) ? 1 : 0;
    } finally {
      backend.close();
    }
  }
  const runs = o.runs ?? 2000;
  const backend = backendFor(device, arena, watchdogMs);
  try {
    const rep = runDifferential(subject, backend, { runs, seed, calls: o.calls ?? 6 });
    const command = commandLine(spec, o, seed, runs);
    write(
      render(
        format,
        () => differentialText(rep, device, command),
        () => differentialJson(rep, { device, command }),
        () => differentialTests(rep, device, command),
      ),
    );
    return rep.differences.length ? 1 : 0;
  } finally {
    backend.close();
  }
}
