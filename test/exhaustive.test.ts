/**
 * Exhaustive mode: DPOR against brute force (classes counted independently), agreement
 * with random exploration, shortest counterexamples, shards and workers.
 */
import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { xstateReference } from "../model/reference.js";
import { linearizable } from "../properties/linearizable.js";
import { checkExhaustive, exploreOptionsFor, inShare, mergeResults } from "../src/explore/exhaustive/check.js";
import { exploreProgram } from "../src/explore/exhaustive/dpor.js";
import { countPrograms, enumeratePrograms } from "../src/explore/exhaustive/programs.js";
import { traceKey } from "../src/explore/exhaustive/traces.js";
import { checkExhaustiveParallel } from "../src/explore/exhaustive/workers.js";
import { checkRandom } from "../src/explore/random.js";
import { merges, sequentialCounterexample } from "../src/explore/sequential.js";
import type { K } from "../src/kernel/rt/ops.js";
import { READ, WRITE, choose, mutex_lock, mutex_unlock, oops } from "../src/kernel/rt/ops.js";
import { execute } from "../src/kernel/rt/execution.js";
import { DecisionScheduler } from "../src/kernel/schedulers/decisions.js";
import { preemptionIndex, preemptionOrder } from "../src/kernel/rt/scheduler.js";
import { SharedState } from "../src/kernel/rt/state.js";
import type { Call, CallResult } from "../src/kernel/rt/trace.js";
import { UsageError } from "../src/targets/errors.js";
import { arm64Memfault, x86Memfault } from "../src/targets/memfault/index.js";
import { x86Caps } from "../src/targets/x86-caps/index.js";
import { riscvHgatp } from "../src/targets/riscv-hgatp/index.js";
import type { Subject, Threads } from "../src/targets/target.js";

/** A small world with shared cells, a mutex and a choice point, for hand-checked programs. */
function micro(threads: Threads) {
  return (sched: Parameters<typeof execute>[4]) => {
    const shared = new SharedState();
    const x = shared.cell("x", 0);
    const y = shared.cell("y", 0);
    const l = shared.mutex("l");
    function* ioctl(_w: unknown, _t: number, c: Call): K<CallResult> {
      switch (c.ioctl) {
        case "W":
          yield* WRITE(c.cell === "y" ? y : x, 1);
          return { r: 0 };
        case "R":
          return { r: yield* READ(c.cell === "y" ? y : x) };
        case "LOCKED_INC": {
          yield* mutex_lock(l);
          const v = yield* READ(x);
          yield* WRITE(x, v + 1);
          yield* mutex_unlock(l);
          return { r: 0 };
        }
        case "PICK":
          yield* WRITE(x, yield* choose("pick", [1, 2, 3]));
          return { r: 0 };
        case "OOPS":
          return yield* oops("BUG_ON() in OOPS");
        default:
          return { r: -1 };
      }
    }
    return execute(null, shared, threads, ioctl, sched);
  };
}

function classesByBruteForce(run: ReturnType<typeof micro>): Set<string> {
  const keys = new Set<string>();
  exploreProgram(run, { reduction: "none" }, (ex) => keys.add(traceKey(ex)));
  return keys;
}

function classesByDpor(run: ReturnType<typeof micro>) {
  const keys: string[] = [];
  const stats = exploreProgram(run, { reduction: "dpor" }, (ex) => keys.push(traceKey(ex)));
  return { keys, stats };
}

const W = (cell = "x"): Call => ({ ioctl: "W", cell });
const R = (cell = "x"): Call => ({ ioctl: "R", cell });

describe("DPOR explores one execution per equivalence class", () => {
  const programs: [string, Threads][] = [
    ["independent writes", [[W("x")], [W("y")]]],
    ["write/read race", [[W()], [R()]]],
    ["two readers, one writer", [[R()], [R()], [W()]]],
    ["reads and writes on two cells", [[W("x"), R("y")], [W("y"), R("x")]]],
    ["three writers", [[W()], [W()], [W()]]],
    ["locked increments", [[{ ioctl: "LOCKED_INC" }], [{ ioctl: "LOCKED_INC" }], [R()]]],
    ["a choice point and a reader", [[{ ioctl: "PICK" }], [R()]]],
  ];
  it.each(programs)("%s: each class brute force finds, once", (_name, threads) => {
    const run = micro(threads);
    const brute = classesByBruteForce(run);
    const { keys, stats } = classesByDpor(run);
    expect(new Set(keys)).toEqual(brute); // every class reached
    expect(keys.length).toBe(brute.size); // none twice
    expect(stats.complete).toBe(brute.size);
  });

  it("on the riscv-hgatp v8 kernel paths too", () => {
    const s = riscvHgatp.subject("v8");
    const [cap, vcpu] = s.exhaustive!.alphabet;
    const gpaBits: Call = { ioctl: "KVM_CHECK_EXTENSION", fd: "vm", cap: "KVM_CAP_VM_GPA_BITS" };
    for (const threads of [[[cap!], [vcpu!]], [[cap!], [cap!]], [[cap!, gpaBits], [vcpu!]]] as Threads[]) {
      const run = (sch: Parameters<Subject["execute"]>[1]) => s.execute(threads, sch);
      const brute = classesByBruteForce(run);
      const { keys } = classesByDpor(run);
      expect(new Set(keys)).toEqual(brute);
      expect(keys.length).toBe(brute.size);
    }
  });

  it("and on a memory-fault program with kvm_gmem_get_pfn() choices and a signal", () => {
    const s = arm64Memfault.subject("current");
    const [gmemRun, , kick] = s.exhaustive!.alphabet;
    const threads: Threads = [[gmemRun!], [kick!]];
    const run = (sch: Parameters<Subject["execute"]>[1]) => s.execute(threads, sch);
    const brute = classesByBruteForce(run);
    const { keys } = classesByDpor(run);
    expect(new Set(keys)).toEqual(brute);
    expect(keys.length).toBe(brute.size);
    expect(brute.size).toBeGreaterThan(6); // every gmem result, with the signal before or after
  });
});

/**
 * A register as the micro world's contract: W stores 1, R returns what is stored. The
 * micro kernel's R of cell y reads another cell than W writes: a bug that only a history
 * with the W before the R in real time shows, while the steps of both are independent.
 */
interface RegisterContext {
  readonly v: number;
  readonly violation: string | null;
}
type RegisterEvent = { type: "call"; call: Call; result: CallResult };
const registerMachine = setup({
  types: { context: {} as RegisterContext, events: {} as RegisterEvent },
  guards: {
    stores: ({ event }) => event.call.ioctl === "W",
    readsStored: ({ context, event }) => event.call.ioctl === "R" && event.result.r === context.v,
  },
}).createMachine({
  id: "register",
  context: { v: 0, violation: null },
  initial: "ok",
  states: {
    ok: {
      on: {
        call: [
          { guard: "stores", actions: assign({ v: 1 }) },
          { guard: "readsStored" },
          { target: "violated", actions: assign({ violation: ({ context, event }) => `R returned ${event.result.r}, not ${context.v}` }) },
        ],
      },
    },
    violated: { type: "final" },
  },
});
const register = xstateReference(registerMachine, undefined, (c: RegisterContext) => c.v);

describe("DPOR keeps apart the real-time orders linearizability judges", () => {
  const lin = linearizable(register);
  /** Whether some explored execution of `threads` breaks linearizability. */
  const violatedBy = (threads: Threads, options: Parameters<typeof exploreProgram>[1]): boolean => {
    let found = false;
    exploreProgram(micro(threads), options, (ex) => (found ||= !lin.check(ex).holds));
    return found;
  };
  // R's read of y and W's write of x are independent: one class without real time, in which
  // DPOR runs T0's R first (R before W, linearizable). W before R is another history.
  const program: Threads = [[R("y")], [W("x")]];

  it("without real time, the class of R-then-W hides the W-then-R history that every interleaving shows", () => {
    expect(violatedBy(program, { reduction: "none" })).toBe(true);
    expect(violatedBy(program, { reduction: "dpor" })).toBe(false);
  });

  it.each<[string, Threads]>([
    ["a read of another cell against a write", program],
    ["a write then a read against a read", [[W("x"), R("y")], [R("y")]]],
    ["two threads of two calls", [[R("y"), W("x")], [W("x"), R("y")]]],
    ["locked increments around the read", [[{ ioctl: "LOCKED_INC" }, R("y")], [W("x")]]],
  ])("with real time, DPOR finds what every interleaving finds: %s", (_name, threads) => {
    expect(violatedBy(threads, { reduction: "dpor", realTime: true })).toBe(violatedBy(threads, { reduction: "none" }));
  });

  it.each<[string, Threads]>([
    ["a read of another cell against a write", program],
    ["a write then a read against a read", [[W("x"), R("y")], [R("y")]]],
    ["two threads of two calls", [[R("y"), W("x")], [W("x"), R("y")]]],
    ["locked increments around the read", [[{ ioctl: "LOCKED_INC" }, R("y")], [W("x")]]],
    ["three threads", [[R("y")], [W("x")], [R("y"), W("x")]]],
  ])("checking each class's strongest real-time orders finds what every interleaving finds: %s", (_name, threads) => {
    expect(violatedBy(threads, { reduction: "dpor", realTime: "variants" })).toBe(violatedBy(threads, { reduction: "none" }));
  });

  it("a real-time variant is an execution of the class: run for real in its order, it makes the same events", () => {
    let variants = 0;
    exploreProgram(micro(program), { reduction: "dpor", realTime: "variants" }, (ex, _decisions, variant) => {
      if (!variant) return;
      variants++;
      const { ex: real, decisions } = variant();
      expect(real.events).toEqual(ex.events);
      // The decisions replay it too.
      expect(micro(program)(new DecisionScheduler(decisions)).events).toEqual(ex.events);
    });
    // R-then-W explored; W-then-R (W returned before R began) is its class's other order.
    expect(variants).toBe(1);
  });

  it("checkExhaustive asks for real time when linearizable is checked", () => {
    const base = riscvHgatp.subject("v8");
    const subject: Subject = { ...base, properties: [lin], model: register as Subject["model"], execute: (threads, s) => micro(threads)(s), exhaustive: { alphabet: [R("y"), W("x")] } };
    const r = checkExhaustive(subject, { threads: 2, calls: 1 });
    expect(r.findings["linearizable"]).toMatchObject({ calls: 2, threadCount: 2 });
  });
});

describe("DPOR keeps apart what the properties judge besides the steps' own accesses", () => {
  /** The properties some explored execution of `threads` violates. */
  const violatedBy = (subject: Subject, threads: Threads, options: Parameters<typeof exploreProgram>[1]): string[] => {
    const found = new Set<string>();
    exploreProgram((s) => subject.execute(threads, s), options, (ex) => {
      for (const p of subject.properties) if (!found.has(p.name) && !p.check(ex).holds) found.add(p.name);
    });
    return [...found].sort();
  };

  it("an oops ends the execution: the steps of other threads it cuts off are explored before it too", () => {
    // T1's read of x and T0's write of y are independent; T1's OOPS right after its read
    // ends the execution, so whether y is written depends on their order.
    const yWritten = {
      name: "y-written",
      statement: "y is written",
      check: (ex: Parameters<typeof traceKey>[0]) => (ex.events.some((e) => e.kind === "write" && e.loc === "y") ? { holds: true as const } : { holds: false as const, message: "no write of y", events: [] }),
    };
    const threads: Threads = [[W("y")], [R("x"), { ioctl: "OOPS" }]];
    const outcomes = (options: Parameters<typeof exploreProgram>[1]) => {
      const seen = new Set<boolean>();
      exploreProgram(micro(threads), options, (ex) => seen.add(yWritten.check(ex).holds));
      return [...seen].sort();
    };
    expect(outcomes({ reduction: "none" })).toEqual([false, true]);
    expect(outcomes({ reduction: "dpor" })).toEqual([false, true]);
  });

  it("riscv-hgatp@v7: the cap's g-stage write after KVM_CREATE_VCPU's created_vcpus++, two independent writes, is found", () => {
    // The cap checks created_vcpus, then writes pgd_levels; the vCPU's created_vcpus++ between
    // them is ordered with the check but not with the write. Without the judged cells, DPOR
    // ran the write first in that class and found nothing.
    const s = riscvHgatp.subject("v7");
    const [cap, vcpu] = s.exhaustive!.alphabet;
    const threads: Threads = [[cap!], [vcpu!]];
    const none = violatedBy(s, threads, { reduction: "none" });
    expect(none).toEqual(expect.arrayContaining(["cap-ordering", "hgatp-single-view"]));
    expect(violatedBy(s, threads, { reduction: "dpor" })).not.toContain("hgatp-single-view");
    expect(violatedBy(s, threads, exploreOptionsFor(s.properties, {}))).toEqual(none);
  });

  it("riscv-hgatp@v8: created_vcpus and the memslots are context, each judged on its own: a vCPU beside a memslot is no more classes than without the properties", () => {
    const s = riscvHgatp.subject("v8");
    const [, vcpu, memslot] = s.exhaustive!.alphabet;
    const threads: Threads = [[vcpu!], [memslot!]];
    const classes = (options: Parameters<typeof exploreProgram>[1]) => exploreProgram((sc) => s.execute(threads, sc), options, () => {}).complete;
    const judging = s.properties.filter((p) => p.judges);
    expect(judging.map((p) => p.name).sort()).toEqual(["cap-ordering", "hgatp-single-view"]);
    expect(classes(exploreOptionsFor(judging, {}))).toBe(classes({ reduction: "dpor" }));
  });

  // (riscv-hgatp's memslot paths have a million interleavings per program: too many to run all here.)
  it.each<[string, Subject]>([
    ["arm64-memfault@current", arm64Memfault.subject("current")],
    ["x86-caps@pre-3e515705", x86Caps.subject("pre-3e515705")],
  ])("%s: every two-thread program of one call each violates under DPOR what it violates in some interleaving", (_name, s) => {
    const a = s.exhaustive!.alphabet;
    const bound = { alphabetSize: a.length, threads: 2, calls: 1, ...(s.exhaustive!.callsFor ? { callsFor: s.exhaustive!.callsFor } : {}) };
    for (const p of enumeratePrograms(bound)) {
      if (p.length < 2) continue;
      const threads = p.map((t) => t.map((k) => a[k]!));
      expect(violatedBy(s, threads, exploreOptionsFor(s.properties, {}))).toEqual(violatedBy(s, threads, { reduction: "none" }));
    }
  });
});

/** The subject with its random alphabet replaced by the exhaustive one, for comparisons. */
function onExhaustiveAlphabet(s: Subject): Subject {
  const { alphabet, callsFor } = s.exhaustive!;
  return { ...s, alphabet, ...(callsFor ? { callsFor } : {}) };
}

describe("exhaustive and random agree", () => {
  const cases: [string, Subject][] = [
    ...["v2", "v7", "v8"].map((v): [string, Subject] => [`riscv-hgatp@${v}`, riscvHgatp.subject(v)]),
    ...["current", "scrub", "gated", "scrub+gated"].map((v): [string, Subject] => [`arm64-memfault@${v}`, arm64Memfault.subject(v)]),
    ["x86-memfault@current", x86Memfault.subject("current")],
    ...["current", "pre-3e515705"].map((v): [string, Subject] => [`x86-caps@${v}`, x86Caps.subject(v)]),
  ];
  it.each(cases)("%s at 2 threads x 2 calls", (_name, subject) => {
    const ex = checkExhaustive(subject, { threads: 2, calls: 2 });
    const rnd = checkRandom(onExhaustiveAlphabet(subject), { runs: 4000, seed: 8, maxThreads: 2, maxCalls: 2 });
    const randomViolated = rnd.verdicts.filter((v) => v.verdict === "violated");
    expect(randomViolated.map((v) => v.property).sort()).toEqual(Object.keys(ex.findings).sort());
    // The shortest counterexample is no longer than any found at random.
    for (const v of randomViolated) if (v.verdict === "violated") expect(ex.findings[v.property]!.calls).toBeLessThanOrEqual(v.counterexample.size.calls);
  });
});

describe("shortest counterexamples", () => {
  it("v7's single-view race: two threads, one call each, one preemption", () => {
    const r = checkExhaustive(riscvHgatp.subject("v7"), { threads: 2, calls: 2, properties: ["hgatp-single-view"] });
    expect(r.findings["hgatp-single-view"]).toMatchObject({ calls: 2, threadCount: 2, preemptions: 1 });
  });

  it("v8 holds with a proof over the whole bound", () => {
    const r = checkExhaustive(riscvHgatp.subject("v8"), { threads: 2, calls: 2 });
    expect(r.findings).toEqual({});
    expect(r.programs).toBe(r.totalPrograms);
    expect(r.pruned).toBe(0);
    expect(r.classes).toBe(r.executions);
  });
});

describe("the explorer's bookkeeping", () => {
  it("numbers a thread's place in preemption order as preemptionOrder does, without making the order", () => {
    for (let mask = 1; mask < 32; mask++) {
      const enabled = [0, 1, 2, 3, 4].filter((t) => mask & (1 << t));
      for (let current = -1; current < 5; current++)
        for (let tid = 0; tid < 5; tid++) expect(preemptionIndex(enabled, current, tid)).toBe(preemptionOrder(enabled, current).indexOf(tid));
    }
  });
});

describe("programs, shards and workers", () => {
  it("a program of tens of thousands of executions reports progress while it runs, not only at its end", () => {
    const base = riscvHgatp.subject("v8");
    const vcpu = base.exhaustive!.alphabet[1]!;
    const subject: Subject = { ...base, exhaustive: { alphabet: [vcpu] } };
    const seen: [number, number][] = [];
    const r = checkExhaustive(subject, { threads: 2, calls: 3, properties: ["lockdep"], onProgress: (done, _total, executions) => seen.push([done, executions]) });
    // Nine programs; the last, KVM_CREATE_VCPU three times on each thread, alone is most of the executions.
    expect(r.programs).toBe(9);
    const during = seen.filter(([done]) => done === 8);
    expect(during.length).toBeGreaterThan(1);
    expect(during.map(([, n]) => n)).toEqual([...during.map(([, n]) => n)].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).toEqual([9, r.executions]);
  });

  it("enumerates as many programs as it counts, canonical under thread symmetry", () => {
    for (const b of [
      { alphabetSize: 3, threads: 2, calls: 2 },
      { alphabetSize: 3, threads: 3, calls: 2 },
      { alphabetSize: 4, threads: 2, calls: 3, callsFor: (t: number) => (t === 0 ? [0, 1] : [2, 3]) },
    ]) {
      const all = enumeratePrograms(b);
      expect(all.length).toBe(countPrograms(b));
      expect(new Set(all.map((p) => JSON.stringify(p))).size).toBe(all.length);
    }
    // [[a],[b]] and [[b],[a]] are one program.
    expect(enumeratePrograms({ alphabetSize: 2, threads: 2, calls: 1 }).map((p) => JSON.stringify(p))).toEqual([
      "[[0]]",
      "[[1]]",
      "[[0],[0]]",
      "[[0],[1]]",
      "[[1],[1]]",
    ]);
  });

  it("shards partition the programs: none missed, none repeated", () => {
    const n = countPrograms({ alphabetSize: 3, threads: 2, calls: 3 });
    for (const count of [1, 2, 3, 7]) {
      for (const slices of [1, 2, 3]) {
        const owners = Array.from({ length: n }, (_, i) => {
          const hits: string[] = [];
          for (let s = 0; s < count; s++) for (let w = 0; w < slices; w++) if (inShare(i, { index: s, count }, { index: w, count: slices })) hits.push(`${s}.${w}`);
          return hits.length;
        });
        expect(owners.every((k) => k === 1)).toBe(true);
      }
    }
  });

  it("shards merged give the same verdict and counts as one run", () => {
    const subject = riscvHgatp.subject("v7");
    const whole = checkExhaustive(subject, { threads: 2, calls: 2 });
    const parts = [0, 1, 2].map((index) => checkExhaustive(subject, { threads: 2, calls: 2, shard: { index, count: 3 } }));
    const merged = mergeResults(parts);
    expect({ ...merged, ms: 0 }).toEqual({ ...whole, ms: 0 });
    expect(() => mergeResults([parts[0]!, parts[0]!])).toThrow(/given twice/);
    expect(mergeResults(parts.slice(1)).missingShards).toEqual([0]);
  });

  it("worker threads give the same answer as one thread", async () => {
    const subject = riscvHgatp.subject("v7");
    const one = checkExhaustive(subject, { threads: 2, calls: 2 });
    // budgetMs 0: the workers take every program (by default the main thread would do this small bound alone).
    const two = await checkExhaustiveParallel(subject, {}, { threads: 2, calls: 2, budgetMs: 0 }, 2);
    expect({ ...two, ms: 0 }).toEqual({ ...one, ms: 0 });
  });

  it("stops at the shortest once every property is violated, with the same answers however the work is split", async () => {
    const subject = riscvHgatp.subject("v2");
    const opts = { threads: 2, calls: 3, properties: ["hgatp-single-view", "cap-ordering"] };
    const told: string[] = [];
    const one = checkExhaustive(subject, { ...opts, onShortest: (p, f) => told.push(`${p} ${f.calls}`) });
    expect(one.stoppedAfter).toBe(2);
    expect(one.programs).toBeLessThan(one.totalPrograms);
    expect(told.sort()).toEqual(["cap-ordering 2", "hgatp-single-view 2"]);
    const merged = mergeResults([0, 1, 2].map((index) => checkExhaustive(subject, { ...opts, shard: { index, count: 3 } })));
    expect(merged.findings).toEqual(one.findings);
    // The main thread alone (it ends before workers would start), and workers from the first program.
    for (const budgetMs of [undefined, 0]) {
      const early: Record<string, unknown> = {};
      const two = await checkExhaustiveParallel(subject, {}, { ...opts, onShortest: (p, f) => (early[p] = f), ...(budgetMs !== undefined ? { budgetMs } : {}) }, 2);
      expect(two.findings).toEqual(one.findings);
      expect(early).toEqual(one.findings);
    }
  });

  it("with several distinct counterexamples, stops once each property has that many below a size, with the same ones however split", async () => {
    const subject = riscvHgatp.subject("v7");
    const opts = { threads: 2, calls: 2, properties: ["hgatp-single-view"], counterexamples: 3 };
    const one = checkExhaustive(subject, opts);
    expect(one.stoppedAfter).toBeLessThan(4);
    expect(one.distinct?.["hgatp-single-view"]).toHaveLength(3);
    const merged = mergeResults([0, 1].map((index) => checkExhaustive(subject, { ...opts, shard: { index, count: 2 } })));
    const two = await checkExhaustiveParallel(subject, {}, { ...opts, budgetMs: 0 }, 2);
    for (const r of [merged, two]) {
      expect(r.findings).toEqual(one.findings);
      expect(r.distinct).toEqual(one.distinct);
    }
  });

  it("refuses a bound that is too large, saying how large", () => {
    expect(() => checkExhaustive(riscvHgatp.subject("v8"), { threads: 8, calls: 16 })).toThrow(UsageError);
    expect(() => checkExhaustive(riscvHgatp.subject("v8"), { threads: 8, calls: 16 })).toThrow(/is [\d.e+]+ programs, more than 2000000/);
  });
});

describe("PCT", () => {
  it("finds v7's race and states its per-run guarantee", () => {
    const r = checkRandom(riscvHgatp.subject("v7"), {
      runs: 3000,
      seed: 3,
      maxThreads: 2,
      maxCalls: 2,
      properties: ["hgatp-single-view"],
      strategy: { kind: "pct", depth: 2 },
    });
    expect(r.verdicts[0]!.verdict).toBe("violated");
    expect(r.stats.pct!.perRun).toBeGreaterThan(0);
    expect(r.stats.pct!.perRun).toBeLessThanOrEqual(1);
  });
});

describe("a concurrent counterexample that needs no concurrency", () => {
  const vcpu0: Call = { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 };

  it("x86-caps@pre-3e515705: the two calls in one thread break cap-ordering already", () => {
    const pre = x86Caps.subject("pre-3e515705");
    const prop = pre.properties.find((p) => p.name === "cap-ordering")!;
    const irqchip: Call = { ioctl: "KVM_CREATE_IRQCHIP", fd: "vm" };
    expect(sequentialCounterexample(pre, prop, [[irqchip], [vcpu0]])).toEqual({ threads: [[vcpu0, irqchip]], decisions: [] });
    // Not beyond the search's bound: one call per thread stays two threads.
    expect(sequentialCounterexample(pre, prop, [[irqchip], [vcpu0]], 1)).toBeNull();
  });

  it("riscv-hgatp@v7's race does: no order of its calls on one thread breaks the single view", () => {
    const v7 = riscvHgatp.subject("v7");
    const prop = v7.properties.find((p) => p.name === "hgatp-single-view")!;
    const cap = v7.exhaustive!.alphabet[0]!;
    expect(sequentialCounterexample(v7, prop, [[cap], [vcpu0]])).toBeNull();
  });

  it("merges keep each thread's order", () => {
    const c = (n: number): Call => ({ ioctl: `C${n}` });
    expect(merges([[c(1), c(2)], [c(3)]]).map((m) => m.map((x) => x.ioctl).join(""))).toEqual(["C1C2C3", "C1C3C2", "C3C1C2"]);
  });
});
