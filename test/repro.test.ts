/**
 * The C reproducers (src/report/repro): the standalone ones compile with the system
 * compiler (-Wall -Werror) and, where /dev/kvm exists, the x86 ones run and say what the
 * host does (kernel-facts H). The selftest-style ones are built in a real kernel tree by
 * test/repro-kernel-tree.test.ts; here their text is checked.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Counterexample } from "../src/explore/counterexample.js";
import { counterexampleOf, sizeOf } from "../src/explore/counterexample.js";
import { decodeReplay } from "../src/explore/replay.js";
import { DecisionScheduler } from "../src/kernel/schedulers/decisions.js";
import { DEFAULT_DEVICE, devicePath, probeDevice } from "../src/real/device.js";
import { selftestC } from "../src/report/repro/selftest.js";
import { standaloneC } from "../src/report/repro/standalone.js";
import { findTarget } from "../src/targets/registry.js";
import type { Subject } from "../src/targets/target.js";

const dir = mkdtempSync(join(tmpdir(), "kvmoc-repro-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** riscv-hgatp@v7: KVM_CREATE_VCPU slips between the cap's unlocked checks and its write. */
const RISCV_V7 =
  "kvmoc1.eyJ0IjoicmlzY3YtaGdhdHAiLCJ2IjoidjciLCJvIjp7fSwicCI6ImhnYXRwLXNpbmdsZS12aWV3IiwidGgiOltbeyJpb2N0bCI6IktWTV9FTkFCTEVfQ0FQIiwiZmQiOiJ2bSIsImNhcCI6IktWTV9DQVBfUklTQ1ZfU0VUX0hHQVRQX01PREUiLCJmbGFncyI6MCwiYXJncyI6WzhdfV0sW3siaW9jdGwiOiJLVk1fQ1JFQVRFX1ZDUFUiLCJmZCI6InZtIiwiaWQiOjF9XV0sImQiOlswLDFdfQ";
/** x86-memfault@current no-stale-memfault: a gmem run's KVM_EXIT_MEMORY_FAULT survives a KVM_RUN with immediate_exit. */
const X86_STALE =
  "kvmoc1.eyJ0IjoieDg2LW1lbWZhdWx0IiwidiI6ImN1cnJlbnQiLCJvIjp7fSwicCI6Im5vLXN0YWxlLW1lbWZhdWx0IiwidGgiOltbeyJpb2N0bCI6IktWTV9SVU4iLCJmZCI6eyJ2Y3B1IjowfSwiaW1tZWRpYXRlX2V4aXQiOjAsImd1ZXN0IjoiZ21lbSJ9LHsiaW9jdGwiOiJLVk1fUlVOIiwiZmQiOnsidmNwdSI6MH0sImltbWVkaWF0ZV9leGl0IjoxLCJndWVzdCI6bnVsbH1dXSwiZCI6WzEsMV19";
/** arm64-memfault@current memfault-errno: gmem_abort() returns -ENOMEM with KVM_EXIT_MEMORY_FAULT. */
const ARM64_ERRNO =
  "kvmoc1.eyJ0IjoiYXJtNjQtbWVtZmF1bHQiLCJ2IjoiY3VycmVudCIsIm8iOnt9LCJwIjoibWVtZmF1bHQtZXJybm8iLCJ0aCI6W1t7ImlvY3RsIjoiS1ZNX1JVTiIsImZkIjp7InZjcHUiOjB9LCJpbW1lZGlhdGVfZXhpdCI6MCwiZ3Vlc3QiOiJnbWVtIn1dXSwiZCI6WzNdfQ";

function fromToken(token: string): { cx: Counterexample; subject: Subject } {
  const spec = decodeReplay(token);
  const subject = findTarget(spec.target).subject(spec.variant, spec.options);
  const cx = counterexampleOf(subject, spec.options, spec.property, spec.threads, spec.decisions);
  if (!cx) throw new Error(`${spec.target}@${spec.variant}: the token no longer violates ${spec.property}`);
  return { cx, subject };
}

function compile(name: string, c: string, extra: readonly string[] = []): string {
  const src = join(dir, `${name}.c`);
  const bin = join(dir, name);
  writeFileSync(src, c);
  const args = extra.includes("-fsyntax-only") ? [...extra, src] : [...extra, "-o", bin, src];
  const r = spawnSync("cc", ["-Wall", "-Werror", "-pthread", ...args], { encoding: "utf8" });
  expect(r.stderr, `cc ${name}.c`).toBe("");
  expect(r.status).toBe(0);
  return bin;
}

function run(bin: string, args: readonly string[] = []): { status: number | null; out: string } {
  const r = spawnSync(bin, args, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

// The C programs open /dev/kvm itself; KVM_DEVICE=/nonexistent (the suite without a
// device) turns their runs off too.
const kvmUsable = devicePath() === DEFAULT_DEVICE && probeDevice(DEFAULT_DEVICE).available;

/** Before 6.18 a VM of the default type has no guest_memfd: the reproducers that need one skip (4), saying so. */
/** Skips, saying so, where the compiled x86 reproducer (`what`) cannot run: no usable /dev/kvm on an x86-64 host. */
function skipOffX86Kvm(ctx: { skip: () => void }, what: string): void {
  if (kvmUsable && process.arch === "x64") return;
  console.warn(`repro.test: no usable /dev/kvm on an x86-64 host; the ${what} was compiled, not run`);
  ctx.skip();
}

function skipWithoutGmem(r: { status: number | null; out: string }, ctx: { skip: () => void }): void {
  if (r.status !== 4 || !r.out.includes("no guest_memfd for a VM of the default type")) return;
  console.warn(`repro.test: ${r.out.trim().split("\n")[0]}`);
  ctx.skip();
}

describe("standalone C", () => {
  it("riscv-hgatp@v7 (two threads): compiles with -Wall -Werror, starts the threads by spinning, steers with spin flags, skips off riscv", () => {
    const { cx, subject } = fromToken(RISCV_V7);
    const c = standaloneC(cx, subject);
    expect(c).toContain("riscv-hgatp@v7, property hgatp-single-view");
    expect(c).toContain(`kvm-ordercheck replay ${cx.replay}`);
    expect(c).toContain("#define KVM_CAP_RISCV_SET_HGATP_MODE 248");
    // The number is the subject's (a variant file's patch may number its cap otherwise).
    expect(standaloneC(cx, { ...subject, patchCaps: { KVM_CAP_RISCV_SET_HGATP_MODE: 251 } })).toContain("#define KVM_CAP_RISCV_SET_HGATP_MODE 251");
    expect(c).toMatch(/pthread_barrier_wait\(&ready\)/);
    expect(c).toMatch(/while \(atomic_load\(&arrived\) < release\)/);
    // T1's KVM_CREATE_VCPU began while T0's cap was running: the two start together, no wait.
    expect(c).not.toMatch(/wait_returned\(0\);/);
    expect(c).toContain("buggy (what the execution gave)");
    expect(c).toContain("documented");
    const bin = compile("riscv-v7", c);
    if (process.arch !== "riscv64") {
      const r = run(bin);
      expect(r.out).toContain("needs a riscv host");
      expect(r.status).toBe(4);
    }
  });

  it("arm64-memfault@current compiles and, off arm64, skips", () => {
    const { cx, subject } = fromToken(ARM64_ERRNO);
    const bin = compile("arm64-errno", standaloneC(cx, subject));
    if (process.arch !== "arm64") expect(run(bin).status).toBe(4);
  });

  it("x86-memfault@current no-stale-memfault runs on /dev/kvm: the host keeps exit_reason across immediate_exit but gives no memory fault", (ctx) => {
    const { cx, subject } = fromToken(X86_STALE);
    const bin = compile("x86-stale", standaloneC(cx, subject));
    skipOffX86Kvm(ctx, "x86 reproducer");
    const r = run(bin);
    skipWithoutGmem(r, ctx);
    // kernel-facts H: KVM_EXIT_MEMORY_FAULT cannot be triggered on this host (the gmem
    // run exits to MMIO), so the buggy outcome does not reproduce: exit 1 ...
    expect(r.out).toContain("not reproduced");
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/KVM_RUN\(vcpu 0, guest touches guest_memfd\)\s+got 0, exit_reason 6 \(KVM_EXIT_MMIO\)/);
    // ... while the immediate_exit run returns -1 EINTR and leaves the previous exit_reason (stale, observed in H).
    expect(r.out).toMatch(/KVM_RUN\(vcpu 0, immediate_exit=1\)\s+got -1 EINTR, exit_reason 6/);
    expect(r.out).toContain("is the one the previous KVM_RUN left: stale");
  });

  it("two threads on /dev/kvm: a signal from T1 gets T0's spinning guest out of KVM_RUN, as in the model", (ctx) => {
    // A model execution (not a violation): T0 runs a spinning guest, T1 signals it. The
    // reproducer's threads, barriers, spin flags and signal mask must reach the same results.
    const subject = findTarget("x86-memfault").subject("current", {});
    const threads = [[{ ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 0, guest: "none" }], [{ ioctl: "pthread_kill", thread: 0 }]];
    const execution = subject.execute(threads, new DecisionScheduler([]));
    const cx: Counterexample = { property: "linearizable", message: "a model execution", events: [], signature: "", threads, decisions: [], execution, size: sizeOf(threads, execution), replay: "-" };
    const bin = compile("x86-kick", standaloneC(cx, subject));
    skipOffX86Kvm(ctx, "kick reproducer");
    const r = run(bin, ["20"]);
    skipWithoutGmem(r, ctx);
    expect(r.out).toMatch(/T0: KVM_RUN\(vcpu 0, guest spins\)\s+got -1 EINTR, exit_reason 10 \(KVM_EXIT_INTR\)[^\n]*\| same/);
    // The results match and are documented: the "violation" would be inside the kernel (exit 3).
    expect(r.status).toBe(3);
  });
});

/** x86-memfault@current memfault-errno: the gmem fault's kvm_gmem_get_pfn() fails (-ENOMEM), which only fault injection gives. */
const X86_GMEM_ERRNO =
  "kvmoc1.eyJ0IjoieDg2LW1lbWZhdWx0IiwidiI6ImN1cnJlbnQiLCJvIjp7fSwicCI6Im1lbWZhdWx0LWVycm5vIiwidGgiOltbeyJpb2N0bCI6IktWTV9SVU4iLCJmZCI6eyJ2Y3B1IjowfSwiaW1tZWRpYXRlX2V4aXQiOjAsImd1ZXN0IjoiZ21lbSJ9XV0sImQiOlsxLDNdfQ";

describe("what userspace cannot force", () => {
  it("a counterexample that needs kvm_gmem_get_pfn() to fail names fault injection and, not reproduced, exits as a skip (4)", (ctx) => {
    const { cx, subject } = fromToken(X86_GMEM_ERRNO);
    const c = standaloneC(cx, subject);
    expect(c).toContain("fault injection in the kernel: kvm_gmem_get_pfn() returning -ENOMEM");
    expect(c).toMatch(/if \(ioctl\(vm_fd, KVM_CHECK_EXTENSION, \(unsigned long\)KVM_CAP_GUEST_MEMFD\) <= 0\) \{\n\t\tprintf\("skip: /);
    const bin = compile("x86-gmem-errno", c);
    skipOffX86Kvm(ctx, "fault-injection reproducer");
    const r = run(bin);
    skipWithoutGmem(r, ctx);
    expect(r.out).toContain("needs what userspace cannot force");
    expect(r.status).toBe(4);
  });
});

describe("a kernel race on /dev/kvm", () => {
  it("x86-caps@current's dirty-ring race, as `check --exhaustive --threads 2 --calls 1 --repro` writes it, reproduces with the default time budget", async (ctx) => {
    const file = join(dir, "ring.c");
    const said: string[] = [];
    expect(await main(["check", "x86-caps@current", "--exhaustive", "--threads", "2", "--calls", "1", "--workers", "1", "--repro", file], (s) => void said.push(s))).toBe(1);
    const c = readFileSync(file, "utf8");
    // Released by spinning on a shared counter, not by leaving a barrier; raced for a time budget.
    expect(c).toMatch(/while \(atomic_load\(&arrived\) < release\)/);
    expect(c).toMatch(/now\(\) - start < SECONDS/);
    const bin = compile("x86-ring", c);
    skipOffX86Kvm(ctx, "dirty-ring reproducer");
    const r = run(bin);
    const rate = /the counterexample's results in (\d+) of (\d+) iterations \(([\d.]+)%/.exec(r.out);
    console.log(`repro.test: dirty-ring reproducer: ${rate?.[0] ?? r.out}`);
    expect(rate).not.toBeNull();
    // Both enables succeeded at least once: the buggy outcome, exit 0.
    expect(Number(rate![1])).toBeGreaterThan(0);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/T0: KVM_ENABLE_CAP\(KVM_CAP_DIRTY_LOG_RING, 4096\)\s+got 0 \|[^\n]*same/);
    expect(r.out).toMatch(/T1: KVM_ENABLE_CAP\(KVM_CAP_DIRTY_LOG_RING, 4096\)\s+got 0 \|[^\n]*same/);
  }, 60_000);
});

describe("selftest-style C", () => {
  it("riscv-hgatp@v7: the kernel's SPDX line, the library's helpers, and KVM_ENABLE_CAP's other arguments through a function (not the __vm_ioctl macro)", () => {
    const { cx, subject } = fromToken(RISCV_V7);
    const c = selftestC(cx, subject);
    expect(c.split("\n")[0]).toBe("// SPDX-License-Identifier: GPL-2.0-only");
    expect(c).toContain('#include "kvm_util.h"');
    expect(c).toContain("vm = vm_create_barebones();");
    expect(c).toMatch(/TEST_ASSERT\(result != 0/);
    expect(c).toContain("__vm_enable_cap(vm, KVM_CAP_RISCV_SET_HGATP_MODE, 0x8ULL)");
    // The library has vcpu_run(): the reproducer's kvm_run pointers must not take its name.
    expect(c).not.toMatch(/\bvcpu_run\b/);
    // One statement per line (checkpatch), and the library's own __maybe_unused.
    expect(c).not.toMatch(/case \d+: program_T/);
    expect(c).not.toContain("#define __maybe_unused");
  });

  it("x86-memfault@current: every vCPU goes through __vm_vcpu_add()", () => {
    const { cx, subject } = fromToken(X86_STALE);
    expect(selftestC(cx, subject)).toContain("__vm_vcpu_add(vm, 0)");
  });
});

describe("CLI", () => {
  it("replay --repro writes the C and says where; every text report says how to get it", async () => {
    const out: string[] = [];
    const file = join(dir, "cli.c");
    const code = await main(["replay", X86_STALE, "--repro", file, "--repro-style", "selftest"], (s) => void out.push(s));
    expect(code).toBe(1);
    const text = out.join("");
    expect(text).toContain(`C reproducer: kvm-ordercheck replay ${X86_STALE} --repro repro.c`);
    expect(text).toContain(`C reproducer (selftest) of x86-memfault@current no-stale-memfault written to ${file}`);
    expect(readFileSync(file, "utf8")).toContain("vm_create_barebones()");
  });

  it("replay --kernel-tree refuses, in one line with exit 2, a directory that is not a kernel tree", async () => {
    const err: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((t: string) => (err.push(String(t)), true)) as typeof process.stderr.write;
    try {
      expect(await main(["replay", X86_STALE, "--kernel-tree", dir], () => {})).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(err.join("").trim().split("\n")).toEqual([`kvm-ordercheck: --kernel-tree ${dir}: not a kernel tree (no tools/testing/selftests/kvm/Makefile there)`]);
  });

  it("--iterations fixes how many times a multi-thread reproducer races", async () => {
    const file = join(dir, "iterations.c");
    expect(await main(["replay", RISCV_V7, "--repro", file, "--iterations", "7"], () => {})).toBe(1);
    const c = readFileSync(file, "utf8");
    expect(c).toContain("long iterations = argc > 1 ? atol(argv[1]) : 7;");
    expect(c).toContain("repeats, each time on a fresh VM, 7 times");
  });
});
