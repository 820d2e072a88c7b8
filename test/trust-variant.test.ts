/**
 * A variant file is code a user hands us: whatever it does wrong (ends the process,
 * throws late, prints, loops, yields what is not an op) is one line and exit 2 naming
 * the file, never a verdict, a hang or a corrupted --json; and it cannot change the
 * verdicts of the shipped variants checked beside it. The files live in a temporary
 * directory with no node_modules, as in a kernel tree: `kvm-ordercheck/variant` is
 * resolved by the checker itself.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { checkVariantFile } from "../src/library/check.js";
import { UsageError } from "../src/targets/errors.js";
import { WireError, executedOf } from "../src/variant/sandbox/wire.js";
import { captureOutput, jsonResult } from "./capture.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kvmoc-trust-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const io = captureOutput();

/** A riscv-hgatp variant: v8 with `body` as the file's top level and `code` overriding v8's code. */
function variant(name: string, opts: { top?: string; code?: string; extra?: string } = {}): string {
  const text = `import { defineVariant, shipped, READ, cover } from "kvm-ordercheck/variant";
const v8 = shipped["riscv-hgatp"].v8;
${opts.top ?? ""}
export default defineVariant({ ...v8, target: "riscv-hgatp", name: "${name}", ${opts.extra ?? ""}
  code: { ...v8.code, ${opts.code ?? ""} } });
`;
  const p = join(dir, `${name}.ts`);
  writeFileSync(p, text);
  return p;
}

/** The enable-cap hook replaced by `body` (a generator's body). */
const enableCap = (body: string) => `*kvm_vm_ioctl_enable_cap(kvm, cap) { ${body} }`;

async function refused(argv: string[], message: RegExp): Promise<void> {
  expect(await main(argv)).toBe(2);
  expect(io.err).toMatch(message);
  expect(io.err.trim().split("\n")).toHaveLength(1);
  expect(io.out).toBe("");
}

const random = (file: string, name: string) => ["check", `riscv-hgatp@${name}`, "--variant-file", file, "--runs", "100", "--seed", "1", "--json"];

describe("a variant file that misbehaves is refused in one line (exit 2), never a verdict", () => {
  it("process.exit(0) while loading", async () => {
    await refused(random(variant("exit-at-load", { top: "process.exit(0);" }), "exit-at-load"), /variant file \S*exit-at-load\.ts ended the process while loading/);
  });

  it("process.exit(0) in a kernel path, even with the shipped variants (one of them violated) in the same run", async () => {
    const file = variant("exit-in-path", { code: enableCap("process.exit(0);") });
    await refused(
      ["check", "riscv-hgatp", "--variant-file", file, "--runs", "100", "--seed", "1"],
      /variant file \S*exit-in-path\.ts ended the process during the run \(in code\.kvm_vm_ioctl_enable_cap\)/,
    );
  });

  it("a timer that throws after loading", async () => {
    await refused(
      random(variant("late-throw", { top: `setTimeout(() => { throw new Error("late"); }, 1);` }), "late-throw"),
      /late-throw\.ts (threw outside a kernel path: Error: late|left a timer running)/,
    );
  });

  it("console.log while loading: --json stays clean, the file is named", async () => {
    await refused(random(variant("chatty", { top: `console.log("hello");` }), "chatty"), /chatty\.ts wrote to stdout: "hello"/);
  });

  it("a write to stderr in a kernel path", async () => {
    const file = variant("noisy", { code: enableCap(`process.stderr.write("debug\\n"); return yield* v8.code.kvm_vm_ioctl_enable_cap(kvm, cap);`) });
    await refused(random(file, "noisy"), /noisy\.ts wrote to stderr: "debug"/);
  });

  it("yield 42: the file and the op are named", async () => {
    await refused(random(variant("yield-42", { code: enableCap("yield 42; return 0;") }), "yield-42"), /yield-42\.ts: code\.kvm_vm_ioctl_enable_cap yielded 42, which is not an op/);
  });

  it("yield helper() instead of yield* helper(): did you mean yield*?", async () => {
    const file = variant("no-star", { code: enableCap("const r = yield v8.code.kvm_vm_ioctl_enable_cap(kvm, cap); return r;") });
    await refused(random(file, "no-star"), /no-star\.ts: code\.kvm_vm_ioctl_enable_cap yielded a generator object \(did you mean yield\* instead of yield\?\)/);
  });

  it("a path that loops while yielding is stopped by the per-call step budget and named", async () => {
    const file = variant("spin", { code: enableCap("for (;;) yield* READ(kvm.created_vcpus);") });
    await refused(random(file, "spin"), /spin\.ts: thread \d+'s KVM_ENABLE_CAP \(call \d+\) took more than 10000 ops without returning.*\(last in code\.kvm_vm_ioctl_enable_cap\)/);
  });

  it("a path that loops yielding only cover ops is stopped by their budget and named", async () => {
    const file = variant("spin-cover", { code: enableCap(`for (;;) yield* cover("x.c", 1);`) });
    await refused(random(file, "spin-cover"), /spin-cover\.ts: thread \d+'s KVM_ENABLE_CAP \(call \d+\) ran more than 200000 lines without returning/);
  });

  it("a path that loops without yielding is stopped by the watchdog, in exhaustive workers too", async () => {
    const file = variant("hang", { code: enableCap("for (;;) {}") });
    process.env.KVM_ORDERCHECK_HOOK_BUDGET_MS = "300";
    try {
      await refused(
        ["check", "riscv-hgatp@hang", "--variant-file", file, "--exhaustive", "--threads", "1", "--calls", "1", "--workers", "2"],
        /hang\.ts: code\.kvm_vm_ioctl_enable_cap ran for more than 300 ms without yielding/,
      );
    } finally {
      delete process.env.KVM_ORDERCHECK_HOOK_BUDGET_MS;
    }
  });

  it("a walk() that mmu_map_levels returns is a kernel path too: a plain function is refused", async () => {
    const file = variant("plain-walk", { code: "design: { ...v8.code.design, *mmu_map_levels(kvm) { return { topup: 3, walk: () => 3 }; } }" });
    await refused(random(file, "plain-walk"), /plain-walk\.ts: code\.design\.mmu_map_levels must return \{ topup, walk \} with walk a generator function/);
  });

  it("a hook that is a plain function is refused when the file loads", async () => {
    await refused(random(variant("plain", { code: "kvm_vm_ioctl_check_extension: (kvm, ext) => 0" }), "plain"), /plain\.ts: code\.kvm_vm_ioctl_check_extension: expected a generator function/);
  });

  it("in the library: a rejected promise with a UsageError, not a hang", async () => {
    const file = variant("lib-exit", { code: enableCap("process.exit(0);") });
    await expect(checkVariantFile(file, { runs: 100, exhaustive: false })).rejects.toThrow(UsageError);
    await expect(checkVariantFile(file, { exhaustive: true, threads: 1, calls: 1, workers: 2 })).rejects.toThrow(/ended the process during the run/);
  });
});

describe("a variant file's fields are read once, as data", () => {
  it("a getter name that changes after the check keeps the name it had", async () => {
    const file = variant("getter", { top: "let reads = 0;", extra: `get name() { return reads++ === 0 ? "ok" : "../victim"; },` });
    // The object literal's own `name` comes first: drop it so that the getter is the name.
    writeFileSync(file, join("", (await import("node:fs")).readFileSync(file, "utf8").replace(' name: "getter",', "")));
    expect(await main(["check", "riscv-hgatp@ok", "--variant-file", file, "--runs", "20", "--seed", "1", "--json"])).toBe(0);
    expect(jsonResult(io.out)).toMatchObject({ target: "riscv-hgatp", variant: "ok" });
  });

  it("what a file does to the shipped variants it imports stays in its sandbox", async () => {
    // The file "fixes" v7 in the module it imported; v7 checked beside it keeps its bug.
    const file = variant("meddler", { top: `shipped["riscv-hgatp"].v7.code.kvm_vm_ioctl_enable_cap = v8.code.kvm_vm_ioctl_enable_cap;` });
    expect(await main(["check", "riscv-hgatp", "--variant-file", file, "--runs", "2000", "--seed", "1", "--property", "hgatp-single-view"])).toBe(1);
    expect(io.out).toMatch(/riscv-hgatp@v7 +\d+c\/\d+t/);
    expect(io.out).toMatch(/riscv-hgatp@meddler +holds/);
  });
});

describe("what crosses from a sandbox is checked as data", () => {
  const execution = { initial: {}, events: [{ i: 0, tid: 0, call: 0, kind: "invoke", ioctl: { ioctl: "KVM_CREATE_VCPU" } }], outcome: "complete", stepTids: [], stepEnabled: [] };
  const known = (p: string) => p === "lockdep";
  it("an execution of the checker's shape with verdicts of the subject's properties passes", () => {
    expect(executedOf({ execution, used: [], options: [], verdicts: { lockdep: { holds: true } } }, known).verdicts.lockdep).toEqual({ holds: true });
  });
  it("a verdict of a property the subject does not have, or an event of no known kind, is refused", () => {
    const answer = { execution, used: [], options: [], verdicts: {} };
    expect(() => executedOf({ ...answer, verdicts: { "made-up": { holds: true } } }, known)).toThrow(WireError);
    expect(() => executedOf({ ...answer, execution: { ...execution, events: [{ i: 0, tid: 0, call: 0, kind: "teleport" }] } }, known)).toThrow(WireError);
    expect(() => executedOf({ ...answer, execution: { ...execution, stepTids: [0.5] } }, known)).toThrow(WireError);
  });
});

describe("a variant file anywhere", () => {
  it("loads as CommonJS (a .ts file in a directory with no package.json) and as an ES module", async () => {
    const cjs = variant("cjs-here");
    expect(await main(random(cjs, "cjs-here"))).toBe(0);
    const esm = join(dir, "esm");
    mkdirSync(esm);
    writeFileSync(join(esm, "package.json"), JSON.stringify({ type: "module" }));
    const file = join(esm, "v9.ts");
    writeFileSync(file, `import { defineVariant, shipped } from "kvm-ordercheck/variant";\nexport default defineVariant({ ...shipped["riscv-hgatp"].v8, target: "riscv-hgatp", name: "esm-here" });\n`);
    io.out = "";
    expect(await main(random(file, "esm-here"))).toBe(0);
    expect(jsonResult(io.out)).toMatchObject({ variant: "esm-here", verdict: "holds" });
  });
});
