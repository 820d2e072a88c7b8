/**
 * The exit-reason contract: the checker's verdict for every variant and property, at
 * both readings, found from seeds it draws; every violation replays from its token.
 */
import { describe, expect, it } from "vitest";
import { runSequential } from "../model/reference.js";
import { vcpuRunReference } from "../model/vcpu-run.js";
import { counterexampleOf } from "../src/explore/counterexample.js";
import type { CheckReport } from "../src/explore/random.js";
import { checkRandom } from "../src/explore/random.js";
import { decodeReplay } from "../src/explore/replay.js";
import type { Call } from "../src/kernel/rt/trace.js";
import { EINTR, EIO, EFAULT } from "../src/kernel/uapi/errno.js";
import { KVM_EXIT_INTR, KVM_EXIT_MEMORY_FAULT, KVM_EXIT_MMIO } from "../src/kernel/uapi/exits.js";
import { arm64Memfault, x86Memfault } from "../src/targets/memfault/index.js";
import type { Target } from "../src/targets/target.js";

const MEMFAULT_PROPS = ["memfault-errno", "no-stale-memfault", "no-memfault-leak", "linearizable"];

function verdicts(target: Target, variant: string, contract: string): { report: CheckReport; cells: Record<string, string> } {
  const subject = target.subject(variant, { contract });
  const report = checkRandom(subject, { runs: 2500, seed: 17, maxThreads: 2, maxCalls: 3, options: { contract } });
  const cells = Object.fromEntries(report.verdicts.map((v) => [v.property, v.verdict]));
  return { report, cells };
}

const V = "violated";
const H = "holds";

describe("arm64-memfault and x86-memfault, strict reading", () => {
  const expected: [Target, string, string[]][] = [
    [arm64Memfault, "current", [V, V, V, V]],
    [arm64Memfault, "scrub", [H, H, V, H]],
    [arm64Memfault, "gated", [V, V, H, V]],
    [arm64Memfault, "scrub+gated", [H, H, H, H]],
    [x86Memfault, "current", [V, V, V, V]],
  ];
  it.each(expected.map(([target, variant, want]) => [target.name, variant, target, want] as const))("%s@%s has its strict verdicts, and each violation replays from its token", (_name, variant, target, want) => {
    const { report, cells } = verdicts(target, variant, "strict");
    expect(MEMFAULT_PROPS.map((p) => cells[p])).toEqual(want);
    for (const p of ["lockdep", "no-oops", "no-deadlock", "no-warn"]) expect(cells[p]).toBe(H);
    // Every violation replays from its token to the same violation.
    for (const v of report.verdicts) {
      if (v.verdict !== "violated") continue;
      const spec = decodeReplay(v.counterexample.replay);
      expect(spec.options).toEqual({ contract: "strict" });
      const again = counterexampleOf(target.subject(spec.variant, spec.options), spec.options, spec.property, spec.threads, spec.decisions);
      expect(again?.message).toBe(v.counterexample.message);
    }
  });

  it("finds the one-call memory fault with a non-EFAULT errno on arm64 current", () => {
    const { report } = verdicts(arm64Memfault, "current", "strict");
    const v = report.verdicts.find((x) => x.property === "memfault-errno")!;
    expect(v.verdict).toBe(V);
    if (v.verdict === V) {
      expect(v.counterexample.size).toMatchObject({ calls: 1, threads: 1 });
      expect(v.counterexample.message).toMatch(/KVM_EXIT_MEMORY_FAULT/);
    }
  });
});

describe("the doc reading", () => {
  it.each([
    ["arm64-memfault", "current", arm64Memfault],
    ["arm64-memfault", "gated", arm64Memfault],
    ["x86-memfault", "current", x86Memfault],
  ] as const)("%s@%s: what api.rst promises holds; strict differs", (_name, variant, target) => {
    const doc = verdicts(target, variant, "doc").cells;
    expect([doc["memfault-errno"], doc["no-stale-memfault"], doc.linearizable]).toEqual([H, H, H]);
    expect(doc["no-memfault-leak"]).toBe("n/a"); // api.rst promises nothing there
    const strict = verdicts(target, variant, "strict").cells;
    expect(strict["no-stale-memfault"]).toBe(V);
  });
});

describe("vCPU run-cycle model", () => {
  const run = (extra: Partial<Call> = {}): Call => ({ ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 0, guest: "gmem", ...extra });
  const res = (r: number, exit_reason: number, gpa = 0) => ({ r, run: { exit_reason, "memory_fault.gpa": gpa, "memory_fault.size": gpa ? 4096 : 0 } });
  const strict = vcpuRunReference({ reading: "strict", syncRegs: false });
  const doc = vcpuRunReference({ reading: "doc", syncRegs: false });

  it("accepts a documented run cycle", () => {
    const h = [
      { call: run(), result: res(-EFAULT, KVM_EXIT_MEMORY_FAULT, 0x1000) },
      { call: run({ guest: "mmio" }), result: res(0, KVM_EXIT_MMIO) },
      { call: { ioctl: "pthread_kill", thread: 0 }, result: { r: 0 } },
      { call: run({ guest: "none" }), result: res(-EINTR, KVM_EXIT_INTR) },
    ];
    expect(runSequential(strict, h).ok).toBe(true);
    expect(runSequential(doc, h).ok).toBe(true);
  });

  it("rejects a stale memory fault after immediate_exit under strict only", () => {
    const h = [
      { call: run(), result: res(-EFAULT, KVM_EXIT_MEMORY_FAULT, 0x1000) },
      { call: run({ immediate_exit: 1, guest: null }), result: res(-EINTR, KVM_EXIT_MEMORY_FAULT, 0x1000) },
    ];
    expect(runSequential(strict, h).ok).toBe(false);
    expect(runSequential(doc, h).ok).toBe(true);
  });

  it("rejects KVM_EXIT_MEMORY_FAULT with -EIO under strict, and a 0 return with it under both", () => {
    expect(runSequential(strict, [{ call: run(), result: res(-EIO, KVM_EXIT_MEMORY_FAULT, 0x1000) }]).ok).toBe(false);
    expect(runSequential(doc, [{ call: run(), result: res(-EIO, KVM_EXIT_MEMORY_FAULT, 0x1000) }]).ok).toBe(true);
    expect(runSequential(doc, [{ call: run(), result: res(0, KVM_EXIT_MEMORY_FAULT, 0x1000) }]).ok).toBe(false);
  });

  it("rejects a spinning guest's KVM_RUN that returned without a signal", () => {
    expect(runSequential(strict, [{ call: run({ guest: "none" }), result: res(-EINTR, KVM_EXIT_INTR) }]).ok).toBe(false);
  });
});
