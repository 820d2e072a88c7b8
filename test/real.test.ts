/**
 * The real backend on the host's KVM device ($KVM_DEVICE, default /dev/kvm). Tests that
 * need the device are skipped, saying why, when it cannot be opened; the CLI's answer
 * to a missing device is tested everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVcpu } from "../src/program/calls.js";
import { noStaleExitReason } from "../properties/no-stale-exit-reason.js";
import { main } from "../src/cli/main.js";
import { jsonResult } from "./capture.js";
import type { ReferenceModel } from "../model/reference.js";
import type { Execution } from "../src/kernel/rt/execution.js";
import type { Call, CallResult, Event } from "../src/kernel/rt/trace.js";
import { EBADF, EEXIST, EINTR, EINVAL } from "../src/kernel/uapi/errno.js";
import { KVM_EXIT_HLT, KVM_EXIT_INTR, KVM_EXIT_IO, KVM_EXIT_MMIO } from "../src/kernel/uapi/exits.js";
import { RealBackend, arenaSizeFor } from "../src/real/backend.js";
import { parseProgram } from "../src/real/cli.js";
import { runRace } from "../src/real/race.js";
import { TARGETS } from "../src/targets/registry.js";
import { devicePath, probeDevice } from "../src/real/device.js";
import { runDifferential } from "../src/real/differential.js";
import { EXIT_REASON_FIXTURE, runExitReasons } from "../src/real/exit-reasons.js";
import type { Subject } from "../src/targets/target.js";
import { run } from "../src/targets/memfault/alphabet.js";
import { testWatchdogMs } from "./real-watchdog.js";

const device = devicePath();
const { available, why } = probeDevice(device);
const needs = `needs a usable KVM device (${why || device})`;
const x86Caps = TARGETS.find((t) => t.name === "x86-caps");

const vcpu = createVcpu;
const cap = (name: string, ...args: number[]): Call => ({ ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: name, flags: 0, args });
const slot = (s: number, gpa: number, size: number, uaddr: number): Call => ({
  ioctl: "KVM_SET_USER_MEMORY_REGION",
  fd: "vm",
  slot: s,
  flags: 0,
  guest_phys_addr: gpa,
  memory_size: size,
  userspace_addr: uaddr,
});

function capture(): { out: string[]; write: (s: string) => void } {
  const out: string[] = [];
  return { out, write: (s) => void out.push(s) };
}

describe("without a usable device", () => {
  it("real says so in one line and exits 2 (--device)", async () => {
    const err: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      const { write } = capture();
      expect(await main(["real", "x86-memfault", "--device", "/nonexistent"], write)).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(err.join("").trim().split("\n")).toHaveLength(1);
    expect(err.join("")).toMatch(/cannot open \/nonexistent/);
  });

  it("honours KVM_DEVICE", async () => {
    const saved = process.env.KVM_DEVICE;
    process.env.KVM_DEVICE = "/nonexistent-kvm";
    const orig = process.stderr.write.bind(process.stderr);
    const err: string[] = [];
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await main(["real", "x86-memfault"], capture().write)).toBe(2);
    } finally {
      process.stderr.write = orig;
      if (saved === undefined) delete process.env.KVM_DEVICE;
      else process.env.KVM_DEVICE = saved;
    }
    expect(err.join("")).toMatch(/nonexistent-kvm/);
  });

  it("a malformed --program is bad input", async () => {
    const err: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((m: string) => (err.push(String(m)), true)) as typeof process.stderr.write;
    try {
      expect(await main(["real", "x86-memfault", "--program", "[[1]]"], capture().write)).toBe(2);
      expect(await main(["real", "x86-caps", "--program", "[[1]]", "--device", "/nonexistent"], capture().write)).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(err.join("")).toMatch(/--program does not apply to x86-memfault/);
    if (x86Caps) expect(err.join("")).toMatch(/--program\[0\]\[0\]: expected a call/);
    expect(() => parseProgram("[[1]]")).toThrow(/--program\[0\]\[0\]: expected a call/);
    expect(() => parseProgram("nope")).toThrow(/not JSON/);
    expect(parseProgram('[[{"ioctl":"KVM_CREATE_IRQCHIP","fd":"vm"}]]')).toHaveLength(1);
  });

  it("a file that is not a KVM device is refused", () => {
    expect(probeDevice("/dev/null")).toMatchObject({ available: false });
    expect(probeDevice("/dev/null").why).toMatch(/not a KVM device/);
  });
});

describe.skipIf(!available)(`the real backend (${needs})`, () => {
  let b: RealBackend;
  beforeAll(() => {
    b = new RealBackend({ device, arenaSize: 1 << 20, watchdogMs: testWatchdogMs });
  });
  afterAll(() => b.close());

  const rs = (calls: Call[], fixture: Call[] = []) => b.execute(calls, fixture).results.map((r) => r.r);

  it("runs x86-caps calls with the kernel's returns and errnos", () => {
    // The first id past the kernel's limit (KVM_MAX_VCPU_IDS, which its config sets).
    const [maxId] = rs([{ ioctl: "KVM_CHECK_EXTENSION", fd: "system", cap: "KVM_CAP_MAX_VCPU_ID" }]);
    expect(rs([vcpu(0), vcpu(0), vcpu(maxId!)])).toEqual([0, -EEXIST, -EINVAL]);
    expect(rs([cap("KVM_CAP_X86_DISABLE_EXITS", 2), vcpu(0), cap("KVM_CAP_X86_DISABLE_EXITS", 2)])).toEqual([0, 0, -EINVAL]);
    expect(rs([slot(0, 0, 0x2000, 0), slot(1, 0x1000, 0x1000, 0x4000), slot(1, 0x4000, 0x1000, 0x1000 + 1)])).toEqual([0, -EEXIST, -EINVAL]);
    expect(rs([{ ioctl: "KVM_SET_BOOT_CPU_ID", fd: "vm", id: 0 }, vcpu(0), { ioctl: "KVM_SET_BOOT_CPU_ID", fd: "vm", id: 0 }])[2]).toBeLessThan(0);
    expect(rs([{ ioctl: "KVM_CHECK_EXTENSION", fd: "system", cap: "KVM_CAP_IMMEDIATE_EXIT" }])).toEqual([1]);
    expect(rs([run("io")])).toEqual([-EBADF]);
  });

  it("runs the tiny guests and records what the kernel wrote to exit_reason", () => {
    const calls = [run("io"), run(null, 1), run("hlt"), run("mmio"), { ioctl: "pthread_kill", thread: 0 }, run("io"), run("io", 0, { kvm_valid_regs: 8 })];
    const ex = b.execute(calls, EXIT_REASON_FIXTURE);
    const got = ex.results.map((r: CallResult) => [r.r, r.run?.exit_reason]);
    expect(got).toEqual([
      [0, KVM_EXIT_IO],
      [-EINTR, KVM_EXIT_IO], // immediate_exit: x86 keeps the old exit_reason
      [0, KVM_EXIT_HLT],
      [0, KVM_EXIT_MMIO],
      [0, undefined],
      [-EINTR, KVM_EXIT_INTR], // the pending signal, unblocked by KVM_SET_SIGNAL_MASK
      [-EINVAL, KVM_EXIT_INTR], // invalid kvm_valid_regs: returns before touching exit_reason
    ]);
    const writers = ex.events.filter((e: Event) => e.kind === "write").map((e) => e.call);
    expect(writers).toEqual([0, 2, 3, 5]);
    expect(noStaleExitReason.check(ex as Execution).holds).toBe(false);
  });

  it("stops a spinning guest with the watchdog", () => {
    const t = performance.now();
    const ex = b.execute([run("spin"), run("io")], EXIT_REASON_FIXTURE);
    expect(ex.results[0]).toMatchObject({ r: -EINTR, run: { exit_reason: KVM_EXIT_INTR }, watchdog: true });
    // The watchdog's signal was consumed: the next run is not interrupted.
    expect(ex.results[1]).toMatchObject({ r: 0, run: { exit_reason: KVM_EXIT_IO } });
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it("a kick that no run consumed does not reach the next program", () => {
    b.execute([{ ioctl: "pthread_kill", thread: 0 }], EXIT_REASON_FIXTURE);
    expect(b.execute([run("io")], EXIT_REASON_FIXTURE).results[0]).toMatchObject({ r: 0, run: { exit_reason: KVM_EXIT_IO } });
  });

  it("the exit-reason mode reports the real staleness and the memory-fault properties", () => {
    const rep = runExitReasons(b, { runs: 100, seed: 7, calls: 4 });
    const verdict = Object.fromEntries(rep.outcomes.map((o) => [o.property.name, o.holds]));
    expect(verdict).toEqual({ "memfault-errno": true, "no-stale-memfault": true, "no-memfault-leak": true, "no-stale-exit-reason": false });
    const stale = rep.outcomes.find((o) => !o.holds)!;
    expect(stale.program!.length).toBeLessThanOrEqual(3);
    expect(stale.message).toMatch(/returned -1 (EINTR|EINVAL) with exit_reason/);
  });

  it("differential mode finds and shrinks a model that disagrees with the kernel", () => {
    // A deliberately wrong model: every KVM_CREATE_VCPU succeeds (the kernel says EEXIST for a duplicate id).
    const alphabet: Call[] = [cap("KVM_CAP_X2APIC_API", 0), vcpu(0), vcpu(1)];
    const wrong: Subject = {
      target: "wrong",
      variant: "test",
      summary: "",
      patch: {} as Subject["patch"],
      alphabet,
      properties: [],
      model: {} as ReferenceModel<unknown>,
      execute(threads) {
        const events: Event[] = [];
        threads[0]!.forEach((c, k) => {
          events.push({ i: events.length, tid: 0, call: k, kind: "invoke", ioctl: c });
          events.push({ i: events.length, tid: 0, call: k, kind: "return", result: { r: 0 } });
        });
        return { initial: {}, events, outcome: "complete", stepTids: [], stepEnabled: [] };
      },
    };
    const rep = runDifferential(wrong, b, { runs: 200, seed: 3, calls: 5 });
    // One difference (KVM_CREATE_VCPU: model 0, kernel EEXIST), whatever the id.
    expect(rep.differences).toHaveLength(1);
    for (const d of rep.differences) {
      expect(d.calls).toHaveLength(2);
      expect(d.calls[1]!.real.r).toBe(-EEXIST);
      expect(d.calls[1]!.model!.r).toBe(0);
    }
  });

  it("the CLI runs x86-memfault and exits 1 on the staleness it finds", async () => {
    const { out, write } = capture();
    expect(await main(["real", "x86-memfault", "--runs", "50", "--seed", "1", "--calls", "3"], write)).toBe(1);
    expect(out.join("")).toMatch(/violated no-stale-exit-reason/);
    expect(out.join("")).toMatch(/holds\s+memfault-errno/);
  });
});

describe("no-stale-exit-reason on the model's traces", () => {
  it("holds when the failing run wrote exit_reason itself, is violated when it left an older one", () => {
    const call: Call = { ioctl: "KVM_RUN", fd: { vcpu: 0 } };
    const ev = (wrote: boolean): Execution => {
      const events: Event[] = [
        { i: 0, tid: 0, call: 0, kind: "invoke", ioctl: call },
        { i: 1, tid: 0, call: 0, kind: "write", loc: "vcpu0->run->exit_reason", value: KVM_EXIT_IO, old: 0 },
        { i: 2, tid: 0, call: 0, kind: "return", result: { r: 0, run: { exit_reason: KVM_EXIT_IO } } },
        { i: 3, tid: 0, call: 1, kind: "invoke", ioctl: call },
      ];
      if (wrote) events.push({ i: 4, tid: 0, call: 1, kind: "write", loc: "vcpu0->run->exit_reason", value: KVM_EXIT_INTR, old: KVM_EXIT_IO });
      events.push({ i: events.length, tid: 0, call: 1, kind: "return", result: { r: -EINTR, run: { exit_reason: wrote ? KVM_EXIT_INTR : KVM_EXIT_IO } } });
      return { initial: {}, events, outcome: "complete", stepTids: [], stepEnabled: [] };
    };
    expect(noStaleExitReason.check(ev(true)).holds).toBe(true);
    expect(noStaleExitReason.check(ev(false))).toMatchObject({ holds: false, message: expect.stringMatching(/KVM_EXIT_IO left by T0's call 0/) });
  });
});


describe.skipIf(!available || !x86Caps)(`x86-caps on the real kernel (${!x86Caps ? "needs the x86-caps target registered" : needs})`, () => {
  it("differential mode compares every call and reports each difference with both results", () => {
    const subject = x86Caps!.subject(x86Caps!.variants[0]!.name);
    const b = new RealBackend({ device, arenaSize: arenaSizeFor([...(subject.fixture ?? []), ...subject.alphabet]) });
    try {
      const rep = runDifferential(subject, b, { runs: 150, seed: 5, calls: 4 });
      expect(rep.executions).toBeGreaterThan(50);
      // The transcription agrees with this host's kernel (kvm-ordercheck real x86-caps --runs 2000 finds nothing either).
      expect(rep.differences.map((d) => d.signature)).toEqual([]);
      for (const d of rep.differences) {
        const c = d.calls[d.first]!;
        expect(c.differs).toBe(true);
        expect(c.model?.r).not.toBe(c.real.r);
        expect(d.signature).toMatch(new RegExp(`^${c.call.ioctl}`));
      }
    } finally {
      b.close();
    }
  });

  it("--program runs one given program in both worlds, or races it", async () => {
    const one = JSON.stringify([[vcpu(0), vcpu(0)]]);
    const a = capture();
    expect(await main(["real", "x86-caps", "--program", one], a.write)).toBe(0);
    expect(a.out.join("")).toMatch(/KVM_CREATE_VCPU\(0\)\s+-1 EEXIST\s+-1 EEXIST/);
    const two = JSON.stringify([[vcpu(0)], [{ ioctl: "KVM_CREATE_IRQCHIP", fd: "vm" }]]);
    const b2 = capture();
    expect(await main(["real", "x86-caps", "--program", two, "--repeat", "20"], b2.write)).toBe(0);
    expect(b2.out.join("")).toMatch(/1 program of 2 threads, each repeated 20 times/);
  });

  it("--json gives each mode's report as data", async () => {
    const two = JSON.stringify([[vcpu(0)], [{ ioctl: "KVM_CREATE_IRQCHIP", fd: "vm" }]]);
    const race = capture();
    expect(await main(["real", "x86-caps", "--program", two, "--repeat", "20", "--json"], race.write)).toBe(0);
    const r = jsonResult(race.out.join(""));
    expect(r).toMatchObject({ mode: "race", verdict: "holds", target: "x86-caps" });
    expect(r.programs[0].real.reduce((n: number, o: { count: number }) => n + o.count, 0)).toBe(20);
    const diff = capture();
    expect(await main(["real", "x86-caps", "--runs", "30", "--seed", "1", "--json"], diff.write)).toBe(0);
    expect(jsonResult(diff.out.join(""))).toMatchObject({ mode: "differential", verdict: "holds", seed: 1, differences: [] });
    const exits = capture();
    expect(await main(["real", "x86-memfault", "--runs", "50", "--seed", "1", "--calls", "3", "--json"], exits.write)).toBe(1);
    const e = jsonResult(exits.out.join(""));
    expect(e.properties.find((p: { property: string }) => p.property === "no-stale-exit-reason").verdict).toBe("violated");
    expect(e.command).toBe("kvm-ordercheck real x86-memfault --runs 50 --seed 1 --calls 3");
  });

  it("race mode counts every repetition and checks it against the model", async () => {
    const subject = x86Caps!.subject(x86Caps!.variants[0]!.name);
    const b = new RealBackend({ device, arenaSize: arenaSizeFor([...(subject.fixture ?? []), ...subject.alphabet]) });
    try {
      const rep = await runRace(subject, b, { threads: 2, programs: 2, repeat: 30, seed: 2, calls: 2 });
      for (const p of rep.programs) {
        expect(p.real.reduce((n, r) => n + r.count, 0)).toBe(30);
        expect(p.modelExecutions).toBeGreaterThan(0);
      }
    } finally {
      b.close();
    }
  });
});
