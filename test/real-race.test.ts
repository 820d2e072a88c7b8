/**
 * Race mode on real threads: two workers race KVM_CREATE_VCPU with the same id on one
 * VM, repeated; the report counts the outcomes, checks each history against a
 * reference model (ids are unique: the second gets EEXIST), and compares with the
 * Subject's model, here one that only knows the sequential order T0 then T1. A vCPU
 * one thread creates is the other thread's too, and a run leaves no POSIX timer behind.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ReferenceModel } from "../model/reference.js";
import type { Call, CallResult, Event } from "../src/kernel/rt/trace.js";
import { EBADF, EEXIST, EINTR } from "../src/kernel/uapi/errno.js";
import { RealBackend } from "../src/real/backend.js";
import { devicePath, probeDevice } from "../src/real/device.js";
import { runRace } from "../src/real/race.js";
import type { Subject } from "../src/targets/target.js";

const device = devicePath();
const { available, why } = probeDevice(device);

/** vCPU ids are unique: KVM_CREATE_VCPU(id) succeeds once, then gives EEXIST. */
const uniqueIds: ReferenceModel<readonly number[]> = {
  machine: {} as ReferenceModel["machine"],
  initial: () => [],
  phases: () => 1,
  step(s, call: Call, res: CallResult) {
    const id = Number(call.id);
    if (s.includes(id)) return res.r === -EEXIST ? { ok: true, next: s } : { ok: false, reason: `vCPU ${id} exists: expected EEXIST` };
    return res.r >= 0 ? { ok: true, next: [...s, id] } : { ok: false, reason: `vCPU ${id} is new: expected success` };
  },
  key: (s) => s.join(","),
  stateName: () => "vm",
};

const vcpu0: Call = { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 };

/** A model that runs the threads one after another only (so it knows one order). */
const sequentialOnly: Subject = {
  target: "ids",
  variant: "sequential",
  summary: "",
  patch: {} as Subject["patch"],
  alphabet: [vcpu0],
  properties: [],
  model: uniqueIds as ReferenceModel<unknown>,
  execute(threads) {
    const events: Event[] = [];
    const ids = new Set<number>();
    threads.forEach((calls, tid) =>
      calls.forEach((c, k) => {
        events.push({ i: events.length, tid, call: k, kind: "invoke", ioctl: c });
        const r = ids.has(Number(c.id)) ? -EEXIST : (ids.add(Number(c.id)), 0);
        events.push({ i: events.length, tid, call: k, kind: "return", result: { r } });
      }),
    );
    return { initial: {}, events, outcome: "complete", stepTids: [], stepEnabled: [] };
  },
};

describe.skipIf(!available)(`race mode (needs a usable KVM device: ${why || device})`, () => {
  it("counts the real outcomes, checks linearizability, and flags outcomes the model cannot produce", async () => {
    const b = new RealBackend({ device });
    try {
      const rep = await runRace(sequentialOnly, b, { threads: 2, programs: 1, repeat: 60, seed: 1, calls: 1 });
      const p = rep.programs[0]!;
      expect(p.threads).toEqual([[vcpu0], [vcpu0]]);
      expect(p.real.reduce((n, r) => n + r.count, 0)).toBe(60);
      // Exactly one of the two creations wins each time; every history is linearizable.
      for (const r of p.real) expect(["0 | -17", "-17 | 0"]).toContain(r.key);
      expect(p.notLinearizable).toBe(0);
      for (const r of p.real) expect(r.possible).toBe(r.key === "0 | -17");
    } finally {
      b.close();
    }
  });

  it("a vCPU one thread created is every thread's: the other's KVM_RUN uses its fd once KVM_CREATE_VCPU has returned", async () => {
    const run: Call = { ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 1, guest: null };
    const anything: Subject = { ...sequentialOnly, alphabet: [vcpu0, run], execute: (threads) => ({ initial: {}, events: threads.flatMap((calls, tid) => calls.flatMap((c, k): Event[] => [{ i: 0, tid, call: k, kind: "invoke", ioctl: c }, { i: 0, tid, call: k, kind: "return", result: { r: 0 } }])), outcome: "complete", stepTids: [], stepEnabled: [] }), model: { ...uniqueIds, step: (s) => ({ ok: true, next: s }) } as ReferenceModel<unknown> };
    const b = new RealBackend({ device });
    try {
      const rep = await runRace(anything, b, { threads: 2, programs: 1, repeat: 100, seed: 1, calls: 4 }, [[[vcpu0], [run, run, run, run]]]);
      const t1 = rep.programs[0]!.real.flatMap((r) => r.key.split(" | ")[1]!.split(",").map(Number));
      // Before the fd is there the program has none (-1: EBADF from the kernel); after, KVM_RUN with immediate_exit gives EINTR.
      expect(t1.every((r) => r === -EBADF || r === -EINTR)).toBe(true);
      expect(t1).toContain(-EINTR);
    } finally {
      b.close();
    }
  });

  it("race runs delete their watchdog timers: the process has as many POSIX timers after 20 runs as before", async (ctx) => {
    if (!existsSync("/proc/self/timers")) ctx.skip(); // CONFIG_CHECKPOINT_RESTORE lists them
    const timers = () => readFileSync("/proc/self/timers", "utf8").split("\n").filter((l) => l.startsWith("ID:")).length;
    const before = timers();
    for (let i = 0; i < 20; i++) {
      const b = new RealBackend({ device });
      try {
        await runRace(sequentialOnly, b, { threads: 2, programs: 1, repeat: 2, seed: i, calls: 1 });
      } finally {
        b.close();
      }
    }
    expect(timers()).toBe(before);
  });
});
