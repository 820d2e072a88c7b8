import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureOutput } from "./capture.js";
import { main } from "../src/cli/main.js";
import type { Fixtures } from "./variant-fixtures.js";
import { REPO, makeFixtures } from "./variant-fixtures.js";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fx.cleanup());

const io = captureOutput();

describe("check --variant-file", () => {
  it("puts a file's variant in its target's matrix beside the shipped ones, and flags the buggy one", async () => {
    const argv = ["check", "riscv-hgatp", "--variant-file", fx.buggy, "--runs", "300", "--seed", "3", "--property", "hgatp-single-view"];
    expect(await main(argv)).toBe(1);
    expect(io.out).toMatch(/riscv-hgatp@v8 +holds/);
    expect(io.out).toMatch(/riscv-hgatp@v9-nolock +2c\/2t\/1p/);
    // The replay command of a file's variant carries the file.
    expect(io.out).toMatch(new RegExp(`riscv-hgatp@v9-nolock hgatp-single-view: kvm-ordercheck replay kvmoc1\\.\\S+ --variant-file ${fx.buggy.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("checks target@name alone: the guide's example holds", async () => {
    expect(await main(["check", "riscv-hgatp@v9-example", "--variant-file", fx.correct, "--runs", "500", "--seed", "1", "--json"])).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ target: "riscv-hgatp", variant: "v9-example", verdict: "holds" });
  });

  it("replays a file variant's token with --variant-file, and says what is missing without it", async () => {
    expect(await main(["check", "riscv-hgatp@v9-nolock", "--variant-file", fx.buggy, "--runs", "500", "--seed", "3", "--property", "hgatp-single-view", "--json"])).toBe(1);
    const j = JSON.parse(io.out);
    expect(j.property).toBe("hgatp-single-view");
    io.out = "";
    expect(await main(["replay", j.replay])).toBe(2);
    expect(io.err).toMatch(/riscv-hgatp@v9-nolock, which is not shipped: replay a variant of your own with --variant-file/);
    expect(await main(["replay", j.replay, "--json", "--variant-file", fx.buggy])).toBe(1);
    expect(JSON.parse(io.out).counterexample.message).toBe(j.counterexample.message);
  });

  it("runs exhaustive mode on worker threads that load the file themselves", async () => {
    expect(await main(["check", "riscv-hgatp@v9-nolock", "--variant-file", fx.buggy, "--exhaustive", "--workers", "2", "--property", "hgatp-single-view", "no-deadlock", "--json"])).toBe(1);
    const j = JSON.parse(io.out);
    expect(j.mode).toBe("exhaustive");
    expect(j.properties.find((p: { property: string }) => p.property === "hgatp-single-view").verdict).toBe("violated");
    expect(j.proof).toContainEqual(expect.stringMatching(/^no-deadlock holds for all programs/));
  });

  it("takes a variant of the memory-fault targets (arm64: gmem_abort's error exit)", async () => {
    const file = fx.write(
      "arm64-ungated.ts",
      `import { defineVariant, kvm_prepare_memory_fault_exit } from "kvm-ordercheck/variant";
export default defineVariant({
  target: "arm64-memfault",
  name: "ungated",
  summary: "gmem_abort() fills the exit whatever the error (as merged)",
  patch: { title: "test", list: "kvmarm@lists.linux.dev", date: "2026-05-06", messageId: "test@example" },
  *gmemErrorExit(vcpu, gpa, size, w, x, p, err) {
    yield* kvm_prepare_memory_fault_exit(vcpu, gpa, size, w, x, p);
    return err;
  },
});
`,
    );
    expect(await main(["check", "arm64-memfault@ungated", "--variant-file", file, "--runs", "400", "--seed", "1", "--property", "memfault-errno", "--json"])).toBe(1);
    expect(JSON.parse(io.out)).toMatchObject({ target: "arm64-memfault", variant: "ungated", verdict: "violated", property: "memfault-errno" });
  });
});

const VALID_HEAD = `import { defineVariant, shipped } from "kvm-ordercheck/variant";\nconst v8 = shipped["riscv-hgatp"].v8;\n`;

describe("a variant file that does not load or does not fit: one line, exit 2", () => {
  const cases: [string, () => string[], RegExp][] = [
    ["missing file", () => ["check", "riscv-hgatp", "--variant-file", join(fx.dir, "nope.ts")], /variant file \S*nope\.ts not found/],
    ["not a module", () => ["check", "riscv-hgatp", "--variant-file", fx.write("v9.txt", "x")], /expected a \.ts or \.js module/],
    [
      "syntax error",
      () => ["check", "riscv-hgatp", "--variant-file", fx.write("syntax.ts", `${VALID_HEAD}export default defineVariant({ ...v8, target: "riscv-hgatp", name: "v9" ;\n`)],
      /syntax\.ts: syntax error at line 3:\d+: Expected/,
    ],
    [
      "throws while loading",
      () => ["check", "riscv-hgatp", "--variant-file", fx.write("throws.ts", `${VALID_HEAD}throw new Error("not ready");\n`)],
      /throws\.ts: loading it threw Error: not ready/,
    ],
    ["no default export", () => ["check", "riscv-hgatp", "--variant-file", fx.write("nodefault.ts", `${VALID_HEAD}export const v = v8;\n`)], /has no default export/],
    [
      "wrong shape: a field of the wrong type",
      () => ["check", "riscv-hgatp", "--variant-file", fx.write("shape.ts", `${VALID_HEAD}export default { ...v8, target: "riscv-hgatp", name: "v9", capArgs: "41" };\n`)],
      /shape\.ts: capArgs: .*expected array/,
    ],
    [
      "wrong shape: a nested field missing",
      () => [
        "check",
        "riscv-hgatp",
        "--variant-file",
        fx.write("nodate.ts", `${VALID_HEAD}export default { ...v8, target: "riscv-hgatp", name: "v9", patch: { ...v8.patch, date: "April 2026" } };\n`),
      ],
      /nodate\.ts: patch\.date: expected YYYY-MM-DD/,
    ],
    [
      "wrong shape: a misspelt hook",
      () => ["check", "riscv-hgatp", "--variant-file", fx.write("typo.ts", `${VALID_HEAD}export default { ...v8, target: "riscv-hgatp", name: "v9", capArg: [1] };\n`)],
      /typo\.ts: capArg: not a field or hook of a riscv-hgatp variant \(its hooks: code\.kvm_vm_ioctl_enable_cap, /,
    ],
    [
      "unknown target",
      () => ["check", "riscv-hgatp", "--variant-file", fx.write("target.ts", `${VALID_HEAD}export default { ...v8, target: "riscv-hgtap", name: "v9" };\n`)],
      /target\.ts: target: unknown target 'riscv-hgtap' \(known: riscv-hgatp, arm64-memfault, x86-memfault, x86-caps\)/,
    ],
    [
      "a shipped name",
      () => ["check", "riscv-hgatp", "--variant-file", fx.write("shipped.ts", `${VALID_HEAD}export default { ...v8, target: "riscv-hgatp" };\n`)],
      /name 'v8' is a shipped variant of riscv-hgatp/,
    ],
    [
      "a hook that is not a generator",
      () => [
        "check",
        "riscv-hgatp@v9",
        "--variant-file",
        fx.write("plain.ts", `${VALID_HEAD}export default { ...v8, target: "riscv-hgatp", name: "v9", code: { ...v8.code, kvm_vm_ioctl_enable_cap: () => 0 } };\n`),
        "--runs",
        "50",
      ],
      /plain\.ts: code\.kvm_vm_ioctl_enable_cap must be a generator function \(function\*\)/,
    ],
    [
      "a hook that throws while it runs, in exhaustive worker threads",
      () => [
        "check",
        "riscv-hgatp@v9",
        "--variant-file",
        fx.write(
          "boom.ts",
          `${VALID_HEAD}export default { ...v8, target: "riscv-hgatp", name: "v9", code: { ...v8.code, *kvm_vm_ioctl_enable_cap() { throw new Error("boom"); } } };\n`,
        ),
        "--exhaustive",
        "--threads",
        "1",
        "--calls",
        "1",
        "--workers",
        "2",
      ],
      /boom\.ts: .*boom/,
    ],
    ["a target the command does not check", () => ["check", "arm64-memfault", "--variant-file", fx.correct], /is a variant of riscv-hgatp, which this command does not check/],
    ["an unknown variant: the file's are known", () => ["check", "riscv-hgatp@v9", "--variant-file", fx.correct], /unknown variant 'v9' of riscv-hgatp \(known: v2, v7, v8, v9-example\)/],
  ];
  it.each(cases)("%s", async (_name, argv, msg) => {
    expect(await main(argv())).toBe(2);
    expect(io.err).toMatch(msg);
    expect(io.err.trim().split("\n")).toHaveLength(1);
  });
});

describe("the guide's example", () => {
  const tsc = join(REPO, "node_modules/.bin/tsc");
  it("type-checks against the package's declarations", () => {
    const r = spawnSync(tsc, ["-p", join(REPO, "docs/examples/tsconfig.json")], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("and a variant that does not fit the interface does not type-check", () => {
    const bad = fx.write("badtype.ts", `${VALID_HEAD}export default defineVariant({ ...v8, target: "riscv-hgatp", name: "v9", capArgs: ["41"] });\n`);
    fx.write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: [bad] }));
    const r = spawnSync(tsc, ["-p", join(fx.dir, "tsconfig.json")], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/badtype\.ts\(3,\d+\): error TS\d+:.*string/);
  });
});
