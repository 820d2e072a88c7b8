/**
 * `real --format ktap|junit`, read by the consumers the check formats are tested with
 * (tap-parser, the kernel's kunit_parser.py where a kernel tree is, junit2json): each
 * mode's report, holding and failing, as the reports the real backend makes (built here:
 * the device runs are in real.test.ts and real-race.test.ts, where /dev/kvm is).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "junit2json";
import type { TestSuites } from "junit2json";
import { Parser } from "tap-parser";
import type { FinalResults } from "tap-parser";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Call } from "../src/kernel/rt/trace.js";
import { junitGroupsXml } from "../src/report/junit.js";
import { ktapHeader, ktapTest } from "../src/report/ktap.js";
import type { TestGroup } from "../src/report/test-cases.js";
import type { DifferentialReport } from "../src/real/differential.js";
import type { RaceReport } from "../src/real/race.js";
import { differentialTests, raceTests } from "../src/real/tests.js";
import { captureOutput } from "./capture.js";
import { kunitDir } from "./kernel-tree.js";

const io = captureOutput();
const dir = mkdtempSync(join(tmpdir(), "kvmoc-real-formats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ring: Call = { ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_DIRTY_LOG_RING", flags: 0, args: [4096] };
const vcpu: Call = { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 };

/** x86-caps@current on a kernel whose KVM_CREATE_VCPU says EEXIST where the model says 0. */
const differential: DifferentialReport = {
  target: "x86-caps",
  variant: "current",
  runs: 100,
  seed: 7,
  executions: 100,
  differences: [
    {
      calls: [
        { call: ring, model: { r: 0 }, real: { r: 0 }, differs: false },
        { call: vcpu, model: { r: 3 }, real: { r: -17 }, differs: true },
      ],
      first: 1,
      signature: "KVM_CREATE_VCPU 3 -17",
      seed: 7,
      numRuns: 100,
    },
  ],
};

/** Two dirty-ring enables raced: one program's outcomes all possible, the other's both-succeed is not. */
const race: RaceReport = {
  target: "x86-caps",
  variant: "current",
  options: { threads: 2, programs: 2, repeat: 200, seed: 3, calls: 1 },
  programs: [
    { threads: [[vcpu], [ring]], real: [{ key: "3 | -22", count: 200, possible: true }], unseen: ["3 | 0"], modelExecutions: 4, notLinearizable: 0 },
    {
      threads: [[ring], [ring]],
      real: [
        { key: "0 | -22", count: 180, possible: true },
        { key: "0 | 0", count: 20, possible: false },
      ],
      unseen: [],
      modelExecutions: 3,
      notLinearizable: 20,
      firstViolation: "T1: KVM_ENABLE_CAP returned 0; the contract says -1 EINVAL",
    },
  ],
};

const tests: TestGroup[] = [differentialTests(differential, "/dev/kvm", "kvm-ordercheck real x86-caps --runs 100 --seed 7"), raceTests(race, "/dev/kvm", "kvm-ordercheck real x86-caps --runs 2 --seed 3 --threads 2 --repeat 200")];

/** tap-parser's summary of a TAP text. */
function tap(text: string): Promise<{ result: FinalResults; failed: string[] }> {
  return new Promise((resolve) => {
    const p = new Parser((result) => resolve({ result, failed: result.failures.map((f) => f.name) }));
    p.end(text);
  });
}

/** The subtests of the only test: its indented lines. */
const subtests = (ktap: string): string =>
  ktap
    .split("\n")
    .filter((l) => l.startsWith("  "))
    .map((l) => l.slice(2))
    .join("\n");

describe("real --format ktap", () => {
  it("a differential run with a difference: a failed test whose subtest names the call and ends with the command that reproduces it", async () => {
    const ktap = ktapHeader(1) + ktapTest(1, tests[0]!);
    const top = await tap(ktap);
    expect(top.result.count).toBe(1);
    expect(top.failed).toEqual(["x86-caps@current on /dev/kvm"]);
    const sub = await tap(subtests(ktap));
    expect(sub.failed).toEqual(["difference 1: KVM_CREATE_VCPU(0)"]);
    expect(subtests(ktap)).toMatch(/# reproduce: kvm-ordercheck real x86-caps --runs 100 --seed 7\nnot ok 1 difference 1/);
  });

  it("race mode: a subtest per program, the one whose outcome the model cannot reach failed", async () => {
    const ktap = ktapHeader(1) + ktapTest(1, tests[1]!);
    const sub = await tap(subtests(ktap));
    expect(sub.result.count).toBe(2);
    expect(sub.failed).toEqual(["program 2: T0: KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING, 4096) | T1: KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING, 4096)"]);
    expect(ktap).toContain("# 20 x 0 | 0: IMPOSSIBLE in the model");
  });

  const kunit = kunitDir();
  it.skipIf(!kunit)(`is read by the kernel's KTAP parser (kunit_parser.py) without errors (${kunit ? "found" : "needs python3 and a kernel tree"})`, () => {
    const file = join(dir, "real.ktap");
    writeFileSync(file, ktapHeader(2) + ktapTest(1, tests[0]!) + ktapTest(2, tests[1]!));
    const script = fileURLToPath(new URL("./fixtures/ktap/kunit_tree.py", import.meta.url));
    const r = spawnSync("python3", [script, kunit!, file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.split("\n").find((l) => l.startsWith("KVMOC-JSON "))!;
    const tree = JSON.parse(line.slice("KVMOC-JSON ".length)) as { subtests: { name: string; status: string; errors: number; subtests: { status: string }[] }[] };
    expect(tree.subtests.map((t) => [t.name, t.status, t.errors])).toEqual([
      ["x86-caps@current on /dev/kvm", "FAILURE", 0],
      ["x86-caps@current race on /dev/kvm", "FAILURE", 0],
    ]);
    expect(tree.subtests[1]!.subtests.map((t) => t.status)).toEqual(["SUCCESS", "FAILURE"]);
  });
});

describe("real --format junit", () => {
  it("a suite per report, a failure per difference or failing program with its reproduce command, counts that add up", async () => {
    const doc = (await parse(junitGroupsXml(tests))) as TestSuites;
    expect(doc.testsuite!.map((s) => s.name)).toEqual(["x86-caps@current on /dev/kvm", "x86-caps@current race on /dev/kvm"]);
    const cases = doc.testsuite!.flatMap((s) => s.testcase ?? []);
    expect(doc.tests).toBe(3);
    expect(doc.failures).toBe(cases.filter((c) => c.failure).length);
    expect(doc.failures).toBe(2);
    const diff = doc.testsuite![0]!.testcase![0]!;
    expect(diff.failure![0]!.message).toBe("the kernel and the model differ at call 2 of 2: model 3, kernel -1 EEXIST");
    expect(diff.failure![0]!.inner).toMatch(/reproduce: kvm-ordercheck real x86-caps --runs 100 --seed 7$/);
    const raced = doc.testsuite![1]!;
    expect(raced.properties?.map((p) => [p.name, p.value])).toEqual([
      ["mode", "race"],
      ["device", "/dev/kvm"],
      ["seed", 3],
    ]);
    expect(raced.testcase![1]!.failure![0]!.message).toMatch(/^20 of 200 histories not linearizable/);
  });
});

describe("real --format on the command line", () => {
  it("is checked like check's: an unknown format, or --json with another, is bad input (exit 2) before the device is opened", async () => {
    expect(await main(["real", "x86-caps", "--format", "xml", "--device", "/nonexistent"])).toBe(2);
    expect(io.err).toMatch(/--format/);
    expect(await main(["real", "x86-caps", "--json", "--format", "ktap", "--device", "/nonexistent"])).toBe(2);
    expect(io.err).toMatch(/--json and --format ktap disagree/);
  });
});
