/**
 * --format ktap read by real KTAP consumers: the kernel's own reader (kunit_parser.py, as
 * `kunit.py parse` runs it; needs a kernel tree: the one the selftests build in
 * (test/kernel-tree.ts), $KERNEL_TREE, or Debian's linux-source unpacked under /usr/src) for the nesting, and node-tap's tap-parser for the TAP that
 * KTAP's top level also is.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Parser } from "tap-parser";
import type { FinalResults } from "tap-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { captureOutput } from "./capture.js";
import { kunitDir, tree as selftestTree } from "./kernel-tree.js";

const io = captureOutput();
const dir = mkdtempSync(join(tmpdir(), "kvmoc-ktap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kunit = kunitDir();
const python = spawnSync("python3", ["--version"]).status === 0;
if (!kunit)
  console.warn(`formats-ktap.test.ts: the kernel's KTAP reader is skipped: ${!python ? "no python3" : `no kernel tree (${selftestTree}: .ci/run prepares it; or set KERNEL_TREE, or unpack Debian's linux-source under /usr/src)`}`);

interface KunitTest {
  name: string;
  status: string;
  errors: number;
  subtests: KunitTest[];
}

/** tap-parser's summary of a TAP text. */
function tap(text: string): Promise<{ result: FinalResults; failed: string[]; skipped: string[] }> {
  return new Promise((resolve) => {
    const skipped: string[] = [];
    const p = new Parser((result) => resolve({ result, failed: result.failures.map((f) => f.name), skipped }));
    p.on("assert", (a: { name: string; skip: boolean | string }) => {
      if (a.skip) skipped.push(a.name);
    });
    p.end(text);
  });
}

/** One subject's subtests, as the lines indented under it. */
const subtestsOf = (ktap: string, subject: string): string => {
  const lines = ktap.split("\n");
  const end = lines.findIndex((l) => new RegExp(`^(not )?ok \\d+ ${subject}$`).test(l));
  let start = end;
  while (start > 0 && (lines[start - 1]!.startsWith("  ") || lines[start - 1]!.startsWith("# "))) start--;
  return lines
    .slice(start, end)
    .filter((l) => l.startsWith("  "))
    .map((l) => l.slice(2))
    .join("\n");
};

describe("--format ktap", () => {
  let ktap = "";
  beforeAll(async () => {
    expect(await main(["check", "riscv-hgatp", "--runs", "200", "--seed", "3", "--format", "ktap"], (s) => void (ktap += s))).toBe(1);
  }, 120_000);

  it("starts with the version line and a plan of one test per variant", () => {
    expect(ktap.split("\n").slice(0, 2)).toEqual(["KTAP version 1", "1..3"]);
  });

  it("is TAP at its top level: tap-parser counts a failed test per violated variant", async () => {
    const { result, failed } = await tap(ktap);
    expect(result.plan).toMatchObject({ start: 1, end: 3 });
    expect(result.count).toBe(3);
    expect(failed).toEqual(["riscv-hgatp@v2", "riscv-hgatp@v7"]);
  });

  it("nests a variant's properties as subtests, each violation with its replay command", async () => {
    const v7 = subtestsOf(ktap, "riscv-hgatp@v7");
    const { result, failed } = await tap(v7);
    expect(result.count).toBe(7);
    expect(failed).toContain("hgatp-single-view");
    expect(v7).toMatch(/# replay: kvm-ordercheck replay kvmoc1\.\S+\nnot ok \d+ hgatp-single-view/);
  });

  it("marks a property not checked under the options as SKIP, not as passed", async () => {
    expect(await main(["check", "arm64-memfault@current", "--contract", "doc", "--runs", "100", "--seed", "5", "--format", "ktap"])).toBe(0);
    const { skipped } = await tap(subtestsOf(io.out, "arm64-memfault@current"));
    expect(skipped).toContain("no-memfault-leak");
  });

  it.skipIf(!kunit)("is read by the kernel's KTAP parser (kunit_parser.py) without errors, with the same verdicts", () => {
    const file = join(dir, "run.ktap");
    writeFileSync(file, ktap);
    const script = fileURLToPath(new URL("./fixtures/ktap/kunit_tree.py", import.meta.url));
    const r = spawnSync("python3", [script, kunit!, file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.split("\n").find((l) => l.startsWith("KVMOC-JSON "));
    const tree = JSON.parse(line!.slice("KVMOC-JSON ".length)) as KunitTest;
    const errors = (t: KunitTest): number => t.errors + t.subtests.reduce((n, s) => n + errors(s), 0);
    expect(errors(tree)).toBe(0);
    expect(tree.subtests.map((t) => [t.name, t.status])).toEqual([
      ["riscv-hgatp@v2", "FAILURE"],
      ["riscv-hgatp@v7", "FAILURE"],
      ["riscv-hgatp@v8", "SUCCESS"],
    ]);
    expect(tree.subtests[2]!.subtests).toHaveLength(7);
  });
});
