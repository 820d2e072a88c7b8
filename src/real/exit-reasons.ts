/**
 * Exit-reason checks on the real kernel (`kvm-ordercheck real x86-memfault`): programs
 * of KVM_RUN calls on one vCPU (a tiny guest that does IO, HLT, MMIO or spins;
 * immediate_exit; a signal from the vCPU thread to itself; an invalid
 * kvm_valid_regs) run on the real kernel and are checked by the x86-memfault
 * properties plus the stricter `no-stale-exit-reason`. fast-check draws the programs
 * and shrinks each violated property's counterexample.
 *
 * The x86-memfault reference model (model/vcpu-run.ts) is not checked here: it knows
 * the model's guests (a guest_memfd access, MMIO, spinning) and its fixture (a
 * guest_memfd memslot), not these; its properties read only the trace.
 */
import fc from "fast-check";
import { guarded } from "./guard.js";
import { minimizeProgram } from "./minimize.js";
import { memfaultErrno } from "../../properties/memfault-errno.js";
import { noMemfaultLeak } from "../../properties/no-memfault-leak.js";
import { noStaleExitReason } from "../../properties/no-stale-exit-reason.js";
import { noStaleMemfault } from "../../properties/no-stale-memfault.js";
import type { Property } from "../../properties/property.js";
import type { Call } from "../kernel/rt/trace.js";
import { programArb } from "../explore/arbitraries.js";
import { DecisionScheduler } from "../kernel/schedulers/decisions.js";
import { x86Memfault } from "../targets/memfault/index.js";
import { run } from "../targets/memfault/alphabet.js";
import type { RealBackend, RealExecution } from "./backend.js";
import { GUEST_SLOT } from "./guest.js";


/** The calls, simplest first (shrinking goes towards the front). */
export const EXIT_REASON_ALPHABET: readonly Call[] = [
  run("io"),
  run(null, 1),
  run("hlt"),
  run("mmio"),
  { ioctl: "pthread_kill", thread: 0 },
  run("spin"),
  run("io", 0, { kvm_valid_regs: 0x8 }),
  run("io", 0, { kvm_valid_regs: 0 }),
];

/** vCPU 0 and a memslot holding the guests' code (as a selftest's vm_create_with_one_vcpu()). */
export const EXIT_REASON_FIXTURE: readonly Call[] = [
  { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 },
  { ioctl: "KVM_SET_USER_MEMORY_REGION", fd: "vm", flags: 0, ...GUEST_SLOT },
];

/** The x86-memfault properties at the strict reading, and the stricter staleness one. */
export const EXIT_REASON_PROPERTIES: readonly Property[] = [memfaultErrno("strict"), noStaleMemfault("strict"), noMemfaultLeak, noStaleExitReason];

export interface ExitReasonOptions {
  readonly runs: number;
  readonly seed: number;
  readonly calls: number;
}

export interface PropertyOutcome {
  readonly property: Property;
  readonly holds: boolean;
  /** The shrunk program and its real execution, when violated. */
  readonly program?: readonly Call[];
  readonly execution?: RealExecution;
  readonly message?: string;
}

export interface ExitReasonReport {
  readonly runs: number;
  readonly seed: number;
  readonly executions: number;
  readonly outcomes: readonly PropertyOutcome[];
  /** Each property on the x86-memfault model (its own guests and fixture), one thread: holds, or the minimal program. */
  readonly model: readonly { readonly property: string; readonly holds: boolean; readonly program?: readonly Call[] }[];
  /** How often each exit_reason was seen after a KVM_RUN return, by return value. */
  readonly seen: ReadonlyMap<string, number>;
}

export function runExitReasons(backend: RealBackend, opts: ExitReasonOptions): ExitReasonReport {
  const alphabet = EXIT_REASON_ALPHABET;
  const arb = programArb({ alphabetSize: alphabet.length, maxThreads: 1, maxCalls: opts.calls }).map((p) => p[0]!);
  const cache = new Map<string, RealExecution>();
  const seen = new Map<string, number>();
  let executions = 0;
  const exec = (prog: readonly number[]): RealExecution => {
    const key = prog.join(",");
    let ex = cache.get(key);
    if (!ex) {
      ex = backend.execute(
        prog.map((k) => alphabet[k]!),
        EXIT_REASON_FIXTURE,
      );
      executions++;
      for (const e of ex.events)
        if (e.kind === "return" && e.result.run) {
          const k = `${e.result.r}:${Number(e.result.run.exit_reason)}`;
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
      if (cache.size > 50_000) cache.clear();
      cache.set(key, ex);
    }
    return ex;
  };
  // The same seed draws the same programs for every property: each runs once on the kernel.
  const { guard, rethrow } = guarded();
  const outcomes = EXIT_REASON_PROPERTIES.map((property): PropertyOutcome => {
    const out = fc.check(
      fc.property(arb, (prog) => guard(() => property.check(exec(prog)).holds)),
      { numRuns: opts.runs, seed: opts.seed },
    );
    rethrow();
    if (!out.failed) return { property, holds: true };
    const prog = minimizeProgram(out.counterexample![0], (p) => guard(() => !property.check(exec(p)).holds));
    rethrow();
    const execution = exec(prog);
    const v = property.check(execution);
    return { property, holds: false, program: prog.map((k) => alphabet[k]!), execution, ...(v.holds ? {} : { message: v.message }) };
  });
  return { runs: opts.runs, seed: opts.seed, executions, outcomes, seen, model: modelVerdicts(opts) };
}

/** What the transcribed x86 model says about the same properties, on its own one-thread programs. */
function modelVerdicts(opts: ExitReasonOptions): ExitReasonReport["model"] {
  const subject = x86Memfault.subject("current");
  const only = subject.callsFor?.(0);
  const arb = programArb({ alphabetSize: subject.alphabet.length, maxThreads: 1, maxCalls: opts.calls, ...(only ? { callsFor: subject.callsFor! } : {}) }).map(
    (p) => p[0]!,
  );
  const exec = (prog: readonly number[]) => subject.execute([prog.map((k) => subject.alphabet[k]!)], new DecisionScheduler([]));
  return EXIT_REASON_PROPERTIES.map((property) => {
    const out = fc.check(
      fc.property(arb, (prog) => property.check(exec(prog)).holds),
      { numRuns: opts.runs, seed: opts.seed },
    );
    if (!out.failed || !out.counterexample) return { property: property.name, holds: true };
    const prog = minimizeProgram(out.counterexample[0], (p) => !property.check(exec(p)).holds, (k) => !only || only.includes(k));
    return { property: property.name, holds: false, program: prog.map((k) => subject.alphabet[k]!) };
  });
}
