/**
 * What the checker finds on its own, from seeds it draws: no counterexample here is
 * written by hand; each is produced by the search and then replayed from its token.
 */
import { describe, expect, it } from "vitest";
import { counterexampleOf } from "../src/explore/counterexample.js";
import type { PropertyVerdict } from "../src/explore/random.js";
import { checkRandom } from "../src/explore/random.js";
import { fewestPreemptions } from "../src/explore/exhaustive/preemptions.js";
import { decodeReplay } from "../src/explore/replay.js";
import { riscvHgatp } from "../src/targets/riscv-hgatp/index.js";

const subject = (v: string) => riscvHgatp.subject(v);
const verdict = (vs: readonly PropertyVerdict[], p: string) => vs.find((v) => v.property === p)!;

describe("riscv-hgatp@v2", () => {
  it("breaks sequentially: one thread suffices to change the mode after a vCPU exists", () => {
    const r = checkRandom(subject("v2"), { runs: 2000, seed: 7, maxThreads: 1, maxCalls: 4, properties: ["hgatp-single-view", "cap-ordering"] });
    for (const p of ["hgatp-single-view", "cap-ordering"]) {
      const v = verdict(r.verdicts, p);
      expect(v.verdict).toBe("violated");
      if (v.verdict === "violated") expect(v.counterexample.size).toMatchObject({ threads: 1, calls: 2 });
    }
  });

  it("breaks under concurrency too: two threads with one call each", () => {
    const r = checkRandom(subject("v2"), { runs: 5000, seed: 11, maxThreads: 2, maxCalls: 1, properties: ["hgatp-single-view"] });
    const v = verdict(r.verdicts, "hgatp-single-view");
    expect(v.verdict).toBe("violated");
    if (v.verdict === "violated") expect(v.counterexample.size).toMatchObject({ threads: 2, calls: 2 });
  });

  it("oopses on KVM_CHECK_EXTENSION(KVM_CAP_VM_GPA_BITS) on /dev/kvm", () => {
    const r = checkRandom(subject("v2"), { runs: 2000, seed: 3, maxThreads: 1, maxCalls: 2, properties: ["no-oops"] });
    const v = verdict(r.verdicts, "no-oops");
    expect(v.verdict).toBe("violated");
    if (v.verdict === "violated") expect(v.counterexample.threads).toEqual([[{ ioctl: "KVM_CHECK_EXTENSION", fd: "system", cap: "KVM_CAP_VM_GPA_BITS" }]]);
  });
});

describe("riscv-hgatp@v7", () => {
  it("holds hgatp-single-view and linearizable on every one-thread program tried", () => {
    for (const seed of [1, 2, 3]) {
      const r = checkRandom(subject("v7"), { runs: 2000, seed, maxThreads: 1, maxCalls: 4, properties: ["hgatp-single-view", "linearizable"] });
      expect(r.verdicts.map((v) => v.verdict)).toEqual(["holds", "holds"]);
    }
  });

  it("needs two threads with one call each to break the single view", () => {
    const r = checkRandom(subject("v7"), { runs: 10000, seed: 5, maxThreads: 3, maxCalls: 4, properties: ["hgatp-single-view", "linearizable"] });
    for (const p of ["hgatp-single-view", "linearizable"]) {
      const v = verdict(r.verdicts, p);
      expect(v.verdict).toBe("violated");
      if (v.verdict === "violated") {
        expect(v.counterexample.size.threads).toBe(2);
        expect(v.counterexample.size.preemptions).toBeGreaterThan(0);
      }
    }
    const v = verdict(r.verdicts, "hgatp-single-view");
    if (v.verdict === "violated") expect(v.counterexample.size.calls).toBe(2);
  });

  it("random counterexamples have the fewest preemptions their program allows", () => {
    // Shrinking decisions alone once left 3 preemptions where 1 does (seed 42468107).
    const s = subject("v7");
    for (const seed of [42468107, 1, 2]) {
      const r = checkRandom(s, { runs: 2000, seed, maxThreads: 3, maxCalls: 4, properties: ["hgatp-single-view", "cap-ordering", "linearizable"] });
      for (const v of r.verdicts) {
        expect(v.verdict).toBe("violated");
        if (v.verdict !== "violated") continue;
        const prop = s.properties.find((p) => p.name === v.property)!;
        expect(fewestPreemptions(s, prop, v.counterexample.threads, v.counterexample.size.preemptions)).toBeNull();
        expect(v.counterexample.size.preemptions).toBe(1);
      }
    }
  });

  it("calls kvm_are_all_memslots_empty() without slots_lock: a lockdep finding in one call", () => {
    const r = checkRandom(subject("v7"), { runs: 500, seed: 9, maxThreads: 1, maxCalls: 2, properties: ["lockdep"] });
    const v = verdict(r.verdicts, "lockdep");
    expect(v.verdict).toBe("violated");
    if (v.verdict === "violated") expect(v.counterexample.message).toMatch(/kvm->slots_lock/);
  });
});

describe("riscv-hgatp@v8", () => {
  it("holds every property across seeds", () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = checkRandom(subject("v8"), { runs: 1500, seed, maxThreads: 3, maxCalls: 4 });
      expect(r.verdicts.filter((v) => v.verdict === "violated").map((v) => v.property)).toEqual([]);
    }
  });
});

describe("replay", () => {
  it("reproduces a counterexample the search found, in one execution, identically", () => {
    const r = checkRandom(subject("v7"), { runs: 5000, seed: 21, maxThreads: 2, maxCalls: 2, properties: ["cap-ordering"] });
    const v = verdict(r.verdicts, "cap-ordering");
    expect(v.verdict).toBe("violated");
    if (v.verdict !== "violated") return;
    const spec = decodeReplay(v.counterexample.replay);
    const again = counterexampleOf(subject(spec.variant), spec.options, spec.property, spec.threads, spec.decisions)!;
    expect(again.message).toBe(v.counterexample.message);
    expect(JSON.stringify(again.execution.events)).toBe(JSON.stringify(v.counterexample.execution.events));
    // The same program and schedule against the merged version (its cap renamed): it holds.
    const onV8 = spec.threads.map((t) =>
      t.map((c) => (c.ioctl === "KVM_ENABLE_CAP" ? { ...c, cap: "KVM_CAP_VM_GPA_BITS", args: [41] } : c)),
    );
    expect(counterexampleOf(subject("v8"), {}, "cap-ordering", onV8, spec.decisions)).toBeNull();
  });

  it("a whole run is reproduced by its seed", () => {
    const a = checkRandom(subject("v7"), { runs: 300, seed: 99, maxThreads: 2, maxCalls: 2 });
    const b = checkRandom(subject("v7"), { runs: 300, seed: 99, maxThreads: 2, maxCalls: 2 });
    const tokens = (x: typeof a) => x.verdicts.map((v) => (v.verdict === "violated" ? v.counterexample.replay : "holds"));
    expect(tokens(a)).toEqual(tokens(b));
  });
});
