import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExhaustive, mergeResults } from "../src/explore/exhaustive/check.js";
import { checkExhaustiveParallel } from "../src/explore/exhaustive/workers.js";
import { checkRandom } from "../src/explore/random.js";
import type { CheckReport } from "../src/explore/random.js";
import { checkReportText, matrixText } from "../src/report/text.js";
import { checkReportJson } from "../src/report/json.js";
import { htmlReport } from "../src/report/html.js";
import { sectionOfRandom } from "../src/cli/outputs.js";
import { shardProblem } from "../src/cli/shard-file.js";
import { exhaustiveJson, exhaustiveText } from "../src/report/exhaustive.js";
import type { K } from "../src/kernel/rt/ops.js";
import { READ, WRITE, cover, mutex_lock, mutex_unlock } from "../src/kernel/rt/ops.js";
import { E2BIG, EINVAL } from "../src/kernel/uapi/errno.js";
import type { X86CapsKvm } from "../src/kernel/x86/caps.js";
import { x86CapsSubject } from "../src/targets/x86-caps/index.js";
import { checkVariantFile } from "../src/library/check.js";
import { TARGETS, findTarget } from "../src/targets/registry.js";
import { hookByKernelName, sharedFields, withHookAt } from "../src/targets/hooks.js";
import { RISCV_HGATP_VARIANTS } from "../src/targets/riscv-hgatp/index.js";
import { withHookTables } from "../src/targets/hooks-doc.js";
import { loadVariantFile } from "../src/variant/load.js";
import type { Fixtures } from "./variant-fixtures.js";
import { REPO, makeFixtures } from "./variant-fixtures.js";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fx.cleanup());

const PATCH = `patch: { title: "test", list: "kvm@vger.kernel.org", date: "2026-11-29", messageId: "test@example" }`;

describe("x86-caps takes variant files, and any target's kvm_main.c paths by kernel name", () => {
  it("the dirty-ring fix (set-once test under kvm->lock) holds every property for all programs of 2x2", async () => {
    const v = await checkVariantFile(`${REPO}/docs/examples/x86-dirty-ring-fix.ts`, { exhaustive: true });
    expect(v.spec).toBe("x86-caps@dirty-ring-fix");
    expect(v.properties.filter((p) => p.verdict !== "holds")).toEqual([]);
    expect(v.proof).toContainEqual(expect.stringMatching(/^linearizable holds for all programs of <= 2 calls per thread on <= 2 threads/));
  });

  it("a variant of the same path with the test still before the lock is flagged with the race", async () => {
    const file = fx.write(
      "ring-racy.ts",
      `import { EINVAL, READ, WRITE, defineVariant, mutex_lock, mutex_unlock } from "kvm-ordercheck/variant";
export default defineVariant({
  target: "x86-caps", name: "ring-racy", summary: "the 6.18 order, retyped", ${PATCH},
  *kvm_vm_ioctl_enable_dirty_log_ring(kvm, size) {
    if (yield* READ(kvm.dirty_ring_size!)) return -EINVAL;
    yield* mutex_lock(kvm.lock);
    let r = -EINVAL;
    if (!(yield* READ(kvm.created_vcpus))) { yield* WRITE(kvm.dirty_ring_size!, size); r = 0; }
    yield* mutex_unlock(kvm.lock);
    return r;
  },
});
`,
    );
    const v = await checkVariantFile(file, { exhaustive: true, properties: ["linearizable"] });
    const p = v.properties[0]!;
    expect(p.verdict).toBe("violated");
    if (p.verdict === "violated") expect(p.counterexample.threads.flat().map((c) => c.cap)).toEqual(["KVM_CAP_DIRTY_LOG_RING", "KVM_CAP_DIRTY_LOG_RING"]);
  });

  it("an x86-caps path the variant replaces runs instead of the shipped one, and its calls join the exhaustive alphabet", async () => {
    const file = fx.write(
      "boot-cpu-nocheck.ts",
      `import { WRITE, defineVariant } from "kvm-ordercheck/variant";
export default defineVariant({
  target: "x86-caps", name: "boot-nocheck", summary: "KVM_SET_BOOT_CPU_ID without the vCPU check", ${PATCH},
  *kvm_vm_ioctl_set_boot_cpu_id(kvm, id) {
    yield* WRITE(kvm.arch.bsp_vcpu_id, id);
    return 0;
  },
});
`,
    );
    const loaded = await loadVariantFile(file);
    const subject = loaded.subject();
    expect(subject.exhaustive!.alphabet.map((c) => c.ioctl)).toContain("KVM_SET_BOOT_CPU_ID");
    // A variant file's code runs only in its sandbox: the exhaustive run goes there.
    const r = await checkExhaustiveParallel(subject, {}, { threads: 1, calls: 2, properties: ["cap-ordering"] }, 1);
    expect(r.findings["cap-ordering"]!.threads.flat().map((c) => c.ioctl)).toEqual(["KVM_CREATE_VCPU", "KVM_SET_BOOT_CPU_ID"]);
  });

  it("a riscv-hgatp variant may replace kvm_vm_ioctl_create_vcpu, and a hook its target does not have is refused", async () => {
    const file = fx.write(
      "riscv-vcpu.ts",
      `import { defineVariant, shipped, kvm_vm_ioctl_create_vcpu } from "kvm-ordercheck/variant";
const v8 = shipped["riscv-hgatp"].v8;
export default defineVariant({ ...v8, target: "riscv-hgatp", name: "vcpu",
  *kvm_vm_ioctl_create_vcpu(kvm, id) { return yield* kvm_vm_ioctl_create_vcpu(kvm, id); } });
`,
    );
    const v = await checkVariantFile(file, { runs: 200, properties: ["hgatp-single-view"] });
    expect(v.holds).toBe(true);
    const bad = fx.write(
      "riscv-ring.ts",
      `import { defineVariant, shipped } from "kvm-ordercheck/variant";
export default defineVariant({ ...shipped["riscv-hgatp"].v8, target: "riscv-hgatp", name: "ring", *kvm_vm_ioctl_enable_dirty_log_ring() { return 0; } } as never);
`,
    );
    await expect(loadVariantFile(bad)).rejects.toThrow(/riscv-ring\.ts: .*kvm_vm_ioctl_enable_dirty_log_ring/);
  });
});

describe("an arm64 gmem_abort() that resumes the guest after preparing the exit", () => {
  it("re-faults until a signal, which returns -EINTR with the memory-fault exit it prepared left in kvm_run", async () => {
    const file = fx.write(
      "arm64-resume.ts",
      `import { defineVariant, kvm_prepare_memory_fault_exit } from "kvm-ordercheck/variant";
export default defineVariant({
  target: "arm64-memfault", name: "resume", summary: "prepare the exit, then resume the guest", ${PATCH},
  *gmemErrorExit(vcpu, gpa, size, w, x, p) {
    yield* kvm_prepare_memory_fault_exit(vcpu, gpa, size, w, x, p);
    return 0;
  },
});
`,
    );
    const v = await checkVariantFile(file, { exhaustive: true, properties: ["memfault-errno", "no-memfault-leak"] });
    const leak = v.properties.find((p) => p.property === "no-memfault-leak")!;
    expect(leak.verdict).toBe("violated");
    if (leak.verdict === "violated") expect(leak.message).toMatch(/KVM_RUN.* returned -1 EINTR after writing vcpu0->run->memory_fault/);
    // The exit_reason it wrote is overwritten by KVM_EXIT_INTR: memfault-errno itself holds.
    expect(v.properties.find((p) => p.property === "memfault-errno")!.verdict).toBe("holds");
  });

  it("a hook that returns nothing is refused: gmem_abort() must return something", async () => {
    const file = fx.write(
      "arm64-void.ts",
      `import { defineVariant, kvm_prepare_memory_fault_exit } from "kvm-ordercheck/variant";
export default defineVariant({
  target: "arm64-memfault", name: "void", summary: "returns nothing", ${PATCH},
  *gmemErrorExit(vcpu, gpa, size, w, x, p) { yield* kvm_prepare_memory_fault_exit(vcpu, gpa, size, w, x, p); },
} as never);
`,
    );
    await expect(checkVariantFile(file, { runs: 300 })).rejects.toThrow(/gmemErrorExit must return what gmem_abort\(\) returns/);
  });
});

describe("exhaustive alphabets cover the paths a variant defines", () => {
  it("riscv-hgatp's has KVM_CHECK_EXTENSION on the VM and on /dev/kvm (every version defines kvm_vm_ioctl_check_extension)", () => {
    const a = findTarget("riscv-hgatp").subject("v8").exhaustive!.alphabet;
    expect(a.filter((c) => c.ioctl === "KVM_CHECK_EXTENSION").map((c) => c.fd)).toEqual(["vm", "system"]);
  });
});


describe("several counterexamples per property: one bug does not hide another", () => {
  // pre-3e515705 breaks linearizable twice: KVM_CREATE_IRQCHIP after a vCPU (one thread)
  // and the dirty ring's set-once race (two threads); the first used to hide the second.
  const pre = findTarget("x86-caps").subject("pre-3e515705");
  const kinds = (sigs: readonly string[]) => sigs.map((s) => s.split(":")[0]).sort();
  // One random run with three counterexamples asked for, shared by the tests that read it.
  let three: CheckReport | undefined;
  const threeOf = () => (three ??= checkRandom(pre, { runs: 2000, seed: 1, maxThreads: 2, maxCalls: 2, properties: ["linearizable", "no-oops"], counterexamples: 3 }));

  it("random mode keeps one counterexample per signature, the shrunk one of each", () => {
    const v = threeOf().verdicts[0]!;
    expect(v.verdict).toBe("violated");
    if (v.verdict !== "violated") return;
    expect(kinds(v.counterexamples.map((c) => c.signature))).toEqual(["KVM_CREATE_IRQCHIP", "KVM_ENABLE_CAP"]);
    expect(v.counterexample).toBe(v.counterexamples[0]);
  });

  it("exhaustive mode keeps the best of each signature, and shards merge to the same", () => {
    const whole = checkExhaustive(pre, { threads: 2, calls: 2, properties: ["linearizable"], counterexamples: 3 });
    expect(kinds(whole.distinct!.linearizable!.map((f) => f.signature))).toEqual(["KVM_CREATE_IRQCHIP", "KVM_ENABLE_CAP"]);
    const parts = [0, 1].map((index) => checkExhaustive(pre, { threads: 2, calls: 2, properties: ["linearizable"], counterexamples: 3, shard: { index, count: 2 } }));
    expect(mergeResults(parts).distinct).toEqual(whole.distinct);
    const j = exhaustiveJson(pre, whole);
    expect(j.properties[0]).toMatchObject({ verdict: "violated" });
    expect(kinds((j.properties[0] as { counterexamples: { signature: string }[] }).counterexamples.map((c) => c.signature))).toEqual([
      "KVM_CREATE_IRQCHIP",
      "KVM_ENABLE_CAP",
    ]);
    expect(exhaustiveText(pre, whole)).toMatch(/VIOLATED linearizable: shortest 2 calls, 1 thread, 0 preemptions; 2 distinct counterexamples/);
    // A shard file's distinct findings are replayed by merge: a signature they do not have is refused.
    expect(shardProblem(pre, parts[0]!)).toBeNull();
    const forged = { ...parts[0]!, distinct: { linearizable: parts[0]!.distinct!.linearizable!.map((f) => ({ ...f, signature: "forged" })) } };
    expect(shardProblem(pre, forged)).toMatch(/does not have the signature it states/);
  });

  it("the HTML page has an article per counterexample, each with its own anchor, and a holding verdict's note", () => {
    const r = threeOf();
    const section = sectionOfRandom({ ...pre, lines: { file: "/x/ring.c", lines: [7] } }, { ...r, verdicts: r.verdicts.map((v) => (v.verdict === "holds" ? { ...v, exercised: "not exercised: ring.c:7" } : v)) });
    const page = htmlReport({ title: "t", sections: [section], mermaidSrc: "mermaid.min.js" });
    expect(page.match(/<article class="cx" id="([^"]+)"/g)).toEqual(['<article class="cx" id="x86-caps_pre-3e515705-linearizable"', '<article class="cx" id="x86-caps_pre-3e515705-linearizable-2"']);
    expect(page).toMatch(/2 distinct counterexamples/);
    expect(page).toMatch(/not exercised: ring\.c:7/);
  });

  it("with one counterexample asked for, the first bug is all a report shows", () => {
    const r = checkRandom(pre, { runs: 2000, seed: 1, maxThreads: 2, maxCalls: 2, properties: ["linearizable"] });
    const v = r.verdicts[0]!;
    expect(v.verdict === "violated" && v.counterexamples.length).toBe(1);
  });

  it("the matrix shows the count and the text report lists every counterexample", () => {
    const r = threeOf();
    expect(matrixText([r])).toMatch(/x86-caps@pre-3e515705 +2c\/1t\/0p ×2/);
    const text = checkReportText(r, pre);
    expect(text).toMatch(/VIOLATED linearizable: .*; 2 distinct counterexamples/);
    expect(text.match(/^violated linearizable:/gm)).toHaveLength(2);
  });
});

describe("proofs say which lines of the variant's code they never ran", () => {
  // The fix in the shape the C front end gives it: a `cover` op per statement line, and `lines`.
  const F = "/src/ring.c";
  function* ring(kvm: X86CapsKvm, size: number): K<number> {
    yield* cover(F, 10);
    if (size > 65536) {
      yield* cover(F, 11);
      return -E2BIG;
    }
    yield* cover(F, 12);
    yield* mutex_lock(kvm.lock);
    yield* cover(F, 13);
    let r = -EINVAL;
    if (!(yield* READ(kvm.dirty_ring_size!)) && !(yield* READ(kvm.created_vcpus))) {
      yield* cover(F, 14);
      yield* WRITE(kvm.dirty_ring_size!, size);
      r = 0;
    }
    yield* mutex_unlock(kvm.lock);
    return r;
  }
  const subject = x86CapsSubject({
    name: "ring-c",
    summary: "the fix with its lines",
    patch: { title: "t", list: "kvm@vger.kernel.org", date: "2026-11-29", messageId: "t@e" },
    lines: { file: F, lines: [10, 11, 12, 13, 14] },
    kvm_vm_ioctl_enable_dirty_log_ring: ring,
  });

  it("exhaustive: the proof statement names the line no program reached (the -E2BIG branch)", () => {
    const r = checkExhaustive(subject, { threads: 2, calls: 1 });
    const j = exhaustiveJson(subject, r);
    expect(j.proof).toContainEqual(expect.stringMatching(/^linearizable holds for all programs .*; not exercised: ring\.c:11$/));
    expect(j.lines).toEqual({ file: F, declared: 5, ran: 4, missing: [11] });
    expect(exhaustiveText(subject, r)).toMatch(/hold for all programs .*; not exercised: ring\.c:11:/);
  });

  it("random: every verdict carries it, in text and JSON (its alphabet has the 2 MiB ring that reaches -E2BIG); shards merge lines", () => {
    const r = checkRandom(subject, { runs: 200, seed: 1, maxThreads: 2, maxCalls: 2, properties: ["linearizable", "no-oops"] });
    expect(r.verdicts.map((v) => (v.verdict === "n/a" ? null : v.exercised))).toEqual(["every line of ring.c ran (5)", "every line of ring.c ran (5)"]);
    expect(checkReportText(r, subject)).toMatch(/no-oops: .*; every line of ring\.c ran/);
    expect(checkReportJson(r).properties[0]).toMatchObject({ exercised: "every line of ring.c ran (5)" });
    const one = checkRandom(subject, { runs: 20, seed: 1, maxThreads: 1, maxCalls: 1, properties: ["no-oops"] });
    expect(one.verdicts[0]).toMatchObject({ exercised: expect.stringMatching(/^not exercised: ring\.c:/) });
    const parts = [0, 1].map((index) => checkExhaustive(subject, { threads: 1, calls: 1, shard: { index, count: 2 } }));
    expect(mergeResults(parts).coverage!.lines).toEqual(checkExhaustive(subject, { threads: 1, calls: 1 }).coverage!.lines);
  });

  it("a TypeScript variant from a file that declares no lines is said not to be tracked", async () => {
    const v = await checkVariantFile(`${REPO}/docs/examples/x86-dirty-ring-fix.ts`, { runs: 100, properties: ["no-oops"] });
    const p = v.properties[0]!;
    expect(p.verdict === "holds" && p).toMatchObject({ exercised: expect.stringMatching(/lines are not tracked/) });
  });
});

describe("the guide lists, per target, what a variant may supply and use", () => {
  it("its generated section is the hook tables as they are (npm run docs:hooks rewrites it)", () => {
    const guide = readFileSync(`${REPO}/docs/writing-a-variant.md`, "utf8");
    expect(withHookTables(guide)).toBe(guide);
    for (const t of TARGETS) expect(guide).toContain(`### \`${t.name}\``);
  });

  it("names the shared fields by their kernel names, with the path a TypeScript variant uses", () => {
    const fields = sharedFields(findTarget("x86-caps").hooks);
    expect(fields).toContainEqual({ name: "kvm->dirty_ring_size", path: "kvm.dirty_ring_size", kind: "cell" });
    expect(fields).toContainEqual({ name: "kvm->lock", path: "kvm.lock", kind: "mutex" });
    expect(fields).toContainEqual({ name: "vcpu->run->exit_reason", path: "vcpu.run.exit_reason", kind: "cell" });
  });

  it("maps a C function by its kernel name to the hook that replaces it on each target", () => {
    expect(hookByKernelName(findTarget("riscv-hgatp").hooks, "kvm_vm_ioctl_enable_cap")?.key).toBe("code.kvm_vm_ioctl_enable_cap");
    expect(hookByKernelName(findTarget("x86-caps").hooks, "kvm_vm_ioctl_enable_dirty_log_ring")?.key).toBe("kvm_vm_ioctl_enable_dirty_log_ring");
    expect(hookByKernelName(findTarget("arm64-memfault").hooks, "kvm_vm_ioctl_enable_dirty_log_ring")).toBeNull();
    // ...and puts a translated function there, leaving the rest of the variant as it was.
    const v8 = RISCV_HGATP_VARIANTS.find((v) => v.name === "v8")!;
    const f = function* () {
      return 0;
    };
    const mine = withHookAt(v8, "code.kvm_vm_ioctl_enable_cap", f);
    expect(mine.code.kvm_vm_ioctl_enable_cap).toBe(f);
    expect(mine.code.design).toBe(v8.code.design);
    expect(v8.code.kvm_vm_ioctl_enable_cap).not.toBe(f);
  });
});
