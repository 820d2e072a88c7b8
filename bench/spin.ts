/**
 * Spin side by side (issue 12): the whole pipeline a Spin user runs (`spin -a`, `cc`,
 * `pan`, in a temporary directory) on `bench/spin/hgatp.pml`, an independent Promela
 * model of the riscv-hgatp race (from ../shared/bench/spin/, see its README), and our
 * whole process (`node bin/kvm-ordercheck.js`) on the same bound, timed in one run,
 * alternating, median of `repeat`. Peak memory and CPU time (user + system) through
 * /usr/bin/time when it is there: on a machine shared with other jobs the wall-time ratio
 * moves with their load (ours runs on every core, Spin's pipeline on one), the CPU-time
 * ratio much less.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const MODEL = join(ROOT, "bench/spin/hgatp.pml");
const TIME = "/usr/bin/time";

export interface Timed {
  readonly s: number;
  /** Peak resident memory of the slowest process, MB (null without /usr/bin/time). */
  readonly mb: number | null;
  /** CPU time, user + system, of every process, seconds (null without /usr/bin/time). */
  readonly cpu: number | null;
  readonly out: string;
}

/** Why Spin cannot run here, or null. */
export function spinMissing(): string | null {
  if (spawnSync("spin", ["-V"]).error) return "spin is not installed (apt-get install spin)";
  if (spawnSync("cc", ["--version"]).error) return "no C compiler (cc) for pan.c";
  return null;
}

/** Runs `cmd` in `cwd`, timing it; with /usr/bin/time also its peak memory. */
function run(cwd: string, cmd: string, args: readonly string[]): Timed {
  const withTime = existsSync(TIME);
  const t0 = performance.now();
  const r = withTime
    ? spawnSync(TIME, ["-f", "@@maxrss %M cpu %U %S", cmd, ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  const s = (performance.now() - t0) / 1000;
  if (r.error) throw r.error;
  const m = /@@maxrss (\d+) cpu ([\d.]+) ([\d.]+)/.exec(r.stderr ?? "");
  return { s, mb: m ? Number(m[1]) / 1024 : null, cpu: m ? Number(m[2]) + Number(m[3]) : null, out: `${r.stdout}${r.stderr}` };
}

/** The whole Spin pipeline for VARIANT (0 = v2, 2 = v8's locked fix) at NT threads x NOPS calls. */
export function spinPipeline(variant: number, threads: number, calls: number, bfs: boolean): Timed & { states: string } {
  const dir = mkdtempSync(join(tmpdir(), "kvmoc-spin-"));
  try {
    copyFileSync(MODEL, join(dir, "hgatp.pml"));
    const steps: [string, string[]][] = [
      ["spin", [`-DVARIANT=${variant}`, `-DNT=${threads}`, `-DNOPS=${calls}`, "-a", "hgatp.pml"]],
      ["cc", ["-O2", "-DSAFETY", ...(bfs ? ["-DBFS"] : []), "-o", "pan", "pan.c"]],
      [join(dir, "pan"), ["-m10000000"]],
    ];
    let s = 0;
    let mb: number | null = null;
    let cpu: number | null = null;
    let out = "";
    for (const [cmd, args] of steps) {
      const r = run(dir, cmd, args);
      s += r.s;
      if (r.mb !== null) mb = Math.max(mb ?? 0, r.mb);
      if (r.cpu !== null) cpu = (cpu ?? 0) + r.cpu;
      out = r.out;
    }
    const states = /(\d+) states, stored/.exec(out)?.[1] ?? "?";
    return { s, mb, cpu, out, states };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our whole process: the built CLI (dist/, `npm run build`). */
export function ours(args: readonly string[]): Timed {
  return run(ROOT, process.execPath, [join(ROOT, "bin/kvm-ordercheck.js"), ...args]);
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface SideBySide {
  readonly name: string;
  /** hgatp.pml's VARIANT: 0 = v2, 2 = the locked fix (v8). */
  readonly variant: number;
  readonly threads: number;
  readonly calls: number;
  /** Spin searches breadth-first (the shortest counterexample) instead of depth-first. */
  readonly bfs: boolean;
  readonly args: readonly string[];
}

const exhaustive = (spec: string, threads: number, calls: number, ...more: string[]) =>
  ["check", spec, "--exhaustive", "--threads", String(threads), "--calls", String(calls), ...more];

/** Prints each bound's times, ours and Spin's, and their ratio (ours / Spin: below 1 is faster). */
export function sideBySide(full: boolean, repeat: number): void {
  const why = spinMissing();
  if (why) return console.log(`exhaustive beside Spin: skipped (${why})`);
  // Ours is what a user runs: the built CLI, from the sources as they are now.
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.json")]);
  console.log(`exhaustive beside Spin (whole process each, ours on ${availableParallelism()} workers; median of ${repeat}, alternating):`);
  const runs: SideBySide[] = [
    // Spin's invariant is the single view; its BFS stops at the first violation, ours once the property's shortest is known.
    { name: "riscv-hgatp@v2 2x3, shortest counterexample", variant: 0, threads: 2, calls: 3, bfs: true, args: exhaustive("riscv-hgatp@v2", 2, 3, "--property", "hgatp-single-view") },
    { name: "riscv-hgatp@v8 2x3, proof", variant: 2, threads: 2, calls: 3, bfs: false, args: exhaustive("riscv-hgatp@v8", 2, 3) },
  ];
  if (full) runs.push({ name: "riscv-hgatp@v8 3x2, proof, no preemption bound", variant: 2, threads: 3, calls: 2, bfs: false, args: exhaustive("riscv-hgatp@v8", 3, 2) });
  for (const r of runs) {
    const a: number[] = [];
    const b: number[] = [];
    const ca: number[] = [];
    const cb: number[] = [];
    let mine: Timed | null = null;
    let spin: ReturnType<typeof spinPipeline> | null = null;
    for (let i = 0; i < repeat; i++) {
      mine = ours(r.args);
      a.push(mine.s);
      if (mine.cpu !== null) ca.push(mine.cpu);
      spin = spinPipeline(r.variant, r.threads, r.calls, r.bfs);
      b.push(spin.s);
      if (spin.cpu !== null) cb.push(spin.cpu);
    }
    const mem = (t: Timed | null) => (t?.mb != null ? `, ${Math.round(t.mb)} MB` : "");
    const counts = /(\d+ programs, \d+ executions)/.exec(mine!.out)?.[1] ?? "no counts printed";
    const cpu = ca.length && cb.length ? `; CPU ours ${median(ca).toFixed(2)} s, Spin ${median(cb).toFixed(2)} s: ratio ${(median(ca) / median(cb)).toFixed(2)}` : "";
    console.log(
      `  ${r.name}: ours ${median(a).toFixed(2)} s (${counts}${mem(mine)}), Spin ${median(b).toFixed(2)} s (${spin!.states} states${mem(spin)}): ` +
        `ratio ${(median(a) / median(b)).toFixed(2)}${cpu}`,
    );
  }
  // Measured: [[CREATE_VCPU, CREATE_VCPU]] on each of 3 threads is 4,576,572 classes (518 s on one core):
  // every order of its dozen kvm->lock sections that touch created_vcpus, where Spin merges the states they reach.
  if (!full) console.log("  (BENCH_FULL=1 adds v8 3x2 without a preemption bound: one program of six KVM_CREATE_VCPUs alone is 4.6M classes)");
  console.log("  riscv-hgatp@v8 3x3, proof: not attempted (Spin: 166.6M states, 241 s, 9.5 GB; ours would run billions of executions: issue 12)");
}
