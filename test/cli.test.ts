import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureOutput, jsonResult } from "./capture.js";
import { main } from "../src/cli/main.js";

const io = captureOutput();

describe("kvm-ordercheck CLI", () => {
  it("lists targets, variants and properties", async () => {
    expect(await main(["list"])).toBe(0);
    expect(io.out).toMatch(/riscv-hgatp/);
    expect(io.out).toMatch(/@v8/);
    expect(io.out).toMatch(/20260403153019\.9916-4-fangyu\.yu@linux\.alibaba\.com/);
    expect(io.out).toMatch(/hgatp-single-view/);
  });

  it("exits 1 with a counterexample table and a replay command for v7", async () => {
    expect(await main(["check", "riscv-hgatp@v7", "--runs", "3000", "--seed", "4"])).toBe(1);
    expect(io.out).toMatch(/VIOLATED hgatp-single-view/);
    expect(io.out).toMatch(/│ T0/);
    expect(io.out).toMatch(/replay: kvm-ordercheck replay kvmoc1\./);
  });

  it("exits 0 when nothing is found, and --json has the documented fields", async () => {
    expect(await main(["check", "riscv-hgatp@v8", "--runs", "400", "--seed", "1", "--json"])).toBe(0);
    const j = jsonResult(io.out);
    expect(j).toMatchObject({ target: "riscv-hgatp", variant: "v8", verdict: "holds", property: null, counterexample: null });
    expect(j.stats.executions).toBeGreaterThanOrEqual(400);
    expect(typeof j.stats.ms).toBe("number");
  });

  it("--json on a violation carries the counterexample's threads, decisions, steps and replay", async () => {
    expect(await main(["check", "riscv-hgatp@v2", "--runs", "2000", "--seed", "2", "--json"])).toBe(1);
    const j = jsonResult(io.out);
    expect(j.verdict).toBe("violated");
    expect(j.counterexample.threads.length).toBeGreaterThan(0);
    expect(Array.isArray(j.counterexample.decisions)).toBe(true);
    expect(j.counterexample.steps.length).toBeGreaterThan(0);
    expect(j.replay).toMatch(/^kvmoc1\./);
    io.out = "";
    expect(await main(["replay", j.replay, "--json"])).toBe(1);
    expect(jsonResult(io.out).counterexample.message).toBe(j.counterexample.message);
  });

  it("prints a matrix for a target without a variant", async () => {
    expect(await main(["check", "riscv-hgatp", "--runs", "1500", "--seed", "3"])).toBe(1);
    expect(io.out).toMatch(/riscv-hgatp@v2/);
    expect(io.out).toMatch(/riscv-hgatp@v8 +holds/);
  });

  for (const { what, argv, msg } of [
    { what: "an unknown target", argv: ["check", "nope"], msg: /unknown target 'nope'/ },
    { what: "an unknown variant", argv: ["check", "riscv-hgatp@v9"], msg: /unknown variant 'v9' of riscv-hgatp/ },
    { what: "--runs that is not a number", argv: ["check", "riscv-hgatp@v8", "--runs", "ten"], msg: /--runs must be a whole number/ },
    { what: "--threads 0", argv: ["check", "riscv-hgatp@v8", "--threads", "0"], msg: /--threads must be a whole number from 1 to 8/ },
    { what: "an unknown --property", argv: ["check", "riscv-hgatp@v8", "--property", "nonsense"], msg: /unknown property 'nonsense'/ },
    { what: "a replay token without its prefix", argv: ["replay", "garbage"], msg: /replay token must start with kvmoc1\./ },
    { what: "a replay token that is not JSON", argv: ["replay", "kvmoc1.bm90IGpzb24"], msg: /not valid base64url JSON|missing/ },
    { what: "an unknown command", argv: ["frobnicate"], msg: /unknown command 'frobnicate'/ },
  ])
    it(`${what} is refused on one line, exit 2`, async () => {
      expect(await main(argv)).toBe(2);
      expect(io.err).toMatch(msg);
      expect(io.err.trim().split("\n")).toHaveLength(1);
    });
});

describe("the installed binary", () => {
  it("runs and exits with the CLI's status", async () => {
    const r = spawnSync(process.execPath, ["bin/kvm-ordercheck.js", "check", "riscv-hgatp@v9"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("kvm-ordercheck: unknown variant 'v9' of riscv-hgatp (known: v2, v7, v8)");
  });
});

describe("kvm-ordercheck CLI, memory-fault targets", () => {
  it("prints the arm64 matrix under --contract strict and exits 1", async () => {
    expect(await main(["check", "arm64-memfault", "--contract", "strict", "--runs", "1500", "--seed", "5"])).toBe(1);
    expect(io.out).toMatch(/arm64-memfault@scrub\+gated +holds +holds +holds +holds/);
  });

  it("--json gives the matrix as data, with n/a where a property is not checked", async () => {
    expect(await main(["check", "arm64-memfault", "--contract", "doc", "--runs", "500", "--seed", "5", "--json"])).toBe(0);
    const j = JSON.parse(io.out);
    expect(j.verdict).toBe("holds");
    expect(j.matrix["arm64-memfault@current"]["no-memfault-leak"]).toBe("n/a");
    expect(j.results).toHaveLength(4);
  });

  for (const { what, argv, msg } of [
    { what: "an unknown --contract", argv: ["check", "arm64-memfault", "--contract", "lax"], msg: /unknown --contract 'lax' \(expected strict or doc\)/ },
    { what: "--contract on a target without contracts", argv: ["check", "riscv-hgatp@v8", "--contract", "doc"], msg: /riscv-hgatp takes no --contract option/ },
  ])
    it(`${what} is refused with exit 2`, async () => {
      expect(await main(argv)).toBe(2);
      expect(io.err).toMatch(msg);
    });

  it("a replay token whose program has a call the target does not know: exit 2", async () => {
    const { encodeReplay } = await import("../src/explore/replay-token.js");
    const token = encodeReplay({
      target: "arm64-memfault",
      variant: "current",
      options: { contract: "strict" },
      property: "memfault-errno",
      threads: [[{ ioctl: "KVM_FROBNICATE" }]],
      decisions: [],
    });
    expect(await main(["replay", token])).toBe(2);
    expect(io.err).toMatch(/does not know: 'KVM_FROBNICATE'/);
  });
});

describe("kvm-ordercheck CLI, exhaustive mode", () => {
  const dir = mkdtempSync(join(tmpdir(), "kvmoc-shards-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("proves v8's bound and prints the statement with its counts", async () => {
    expect(await main(["check", "riscv-hgatp@v8", "--exhaustive", "--threads", "2", "--calls", "2", "--workers", "1"])).toBe(0);
    expect(io.out).toMatch(/alphabet \(5\): KVM_ENABLE_CAP/);
    expect(io.out).toMatch(/hold for all programs of <= 2 calls per thread on <= 2 threads over its 5-call alphabet: 495 programs, \d+ executions \(\d+ equivalence classes/);
  });

  it("ends v7 with its shortest counterexample: two calls, two threads, one preemption", async () => {
    expect(await main(["check", "riscv-hgatp@v7", "--exhaustive", "--threads", "2", "--calls", "2", "--workers", "1", "--property", "hgatp-single-view"])).toBe(1);
    expect(io.out).toMatch(/VIOLATED hgatp-single-view: shortest 2 calls, 2 threads, 1 preemption.*\(the shortest printed above\)/);
    expect(io.out).toMatch(/replay: kvm-ordercheck replay kvmoc1\./);
    // Printed as soon as it is known, before the report; the search stops there.
    expect(io.out).toMatch(/^riscv-hgatp@v7: shortest counterexample of hgatp-single-view, found while the search goes on/);
    expect(io.out).toMatch(/stopped after the programs of \d+ calls/);
  });

  it("--shard parts merged give the verdict and counts of one run; a part alone proves nothing", async () => {
    const args = ["check", "riscv-hgatp@v7", "--exhaustive", "--threads", "2", "--calls", "2", "--workers", "1", "--json"];
    expect(await main(args)).toBe(1);
    const whole = jsonResult(io.out);
    const files: string[] = [];
    for (const i of [0, 1, 2]) {
      io.out = "";
      expect(await main([...args, "--shard", `${i}/3`])).toBeLessThanOrEqual(1);
      const file = join(dir, `shard-${i}.json`);
      writeFileSync(file, io.out);
      files.push(file);
      expect(jsonResult(io.out).proof).toEqual([]);
    }
    io.out = "";
    expect(await main(["merge", ...files, "--json"])).toBe(1);
    const merged = jsonResult(io.out);
    expect(merged.stats).toEqual({ ...whole.stats, ms: merged.stats.ms });
    expect(merged.properties.map((p: { verdict: string }) => p.verdict)).toEqual(whole.properties.map((p: { verdict: string }) => p.verdict));
    expect(merged.counterexample.steps).toEqual(whole.counterexample.steps);
    io.out = "";
    expect(await main(["merge", files[0]!, files[1]!])).toBe(1);
    expect(io.out).toMatch(/incomplete: shards 2 of 3 are missing/);
  });

  for (const { what, argv, msg } of [
    {
      what: "a bound of too many programs",
      argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--threads", "8", "--calls", "16"],
      msg: /the bound 8 threads x 16 calls over 5 calls is [\d.e+]+ programs, more than 2000000/,
    },
    { what: "--strategy with --exhaustive", argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--strategy", "pct"], msg: /--strategy applies to random runs/ },
    { what: "--shard without --exhaustive", argv: ["check", "riscv-hgatp@v8", "--shard", "0/2"], msg: /--shard goes with --exhaustive/ },
    { what: "a shard index out of range", argv: ["check", "riscv-hgatp@v8", "--exhaustive", "--shard", "2/2"], msg: /--shard must be i\/n with 0 <= i < n/ },
    { what: "merging a file that does not exist", argv: ["merge", "/nonexistent/shard.json"], msg: /cannot read \/nonexistent\/shard.json/ },
    { what: "merging a file that is not a shard", argv: ["merge", "package.json"], msg: /package.json is not the --json output of check --exhaustive/ },
  ])
    it(`${what} is refused on one line, exit 2`, async () => {
      expect(await main(argv)).toBe(2);
      expect(io.err).toMatch(msg);
      expect(io.err.trim().split("\n")).toHaveLength(1);
    });
});
