/**
 * `merge` reads untrusted shard files: JSON always with --json, no "holds" without every
 * shard, every malformed or foreign file exit 2 on one line, and shards of a variant file
 * merged with --variant-file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { captureOutput, jsonResult } from "./capture.js";
import type { Fixtures } from "./variant-fixtures.js";
import { makeFixtures } from "./variant-fixtures.js";

const io = captureOutput();
const dir = mkdtempSync(join(tmpdir(), "kvmoc-merge-"));
let fx: Fixtures;
const shard: Record<string, string> = {};

/** Runs `check` with --json and keeps its stdout as a file (before the tests capture it). */
async function shardFile(name: string, argv: string[]): Promise<string> {
  let out = "";
  expect(await main([...argv, "--json"], (s) => void (out += s))).toBeLessThanOrEqual(1);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, out);
  return file;
}

const bound = ["--exhaustive", "--threads", "2", "--calls", "1", "--workers", "1"];

beforeAll(async () => {
  fx = makeFixtures();
  for (const i of [0, 1]) shard[`v8-${i}`] = await shardFile(`v8-${i}`, ["check", "riscv-hgatp@v8", ...bound, "--shard", `${i}/2`]);
  shard.v7 = await shardFile("v7", ["check", "riscv-hgatp@v7", ...bound, "--shard", "0/2"]);
  shard.v8calls2 = await shardFile("v8calls2", ["check", "riscv-hgatp@v8", "--exhaustive", "--threads", "2", "--calls", "2", "--workers", "1", "--shard", "1/2"]);
  for (const i of [0, 1]) shard[`all-${i}`] = await shardFile(`all-${i}`, ["check", "riscv-hgatp", ...bound, "--shard", `${i}/2`]);
  for (const i of [0, 1])
    shard[`file-${i}`] = await shardFile(`file-${i}`, ["check", "riscv-hgatp@v9-nolock", "--variant-file", fx.buggy, ...bound, "--shard", `${i}/2`]);
  // Nine small exhaustive runs: seconds, more on a loaded machine.
}, 120_000);
afterAll(() => {
  fx.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of shard file `name` with `change` applied to its (first) result. */
function tampered(name: string, change: (j: { result: Record<string, unknown> }) => unknown): string {
  const file = join(dir, `${name}-tampered.json`);
  const j = JSON.parse(readFileSync(shard[name]!, "utf8")) as { results: { result: Record<string, unknown> }[] };
  change(j.results[0]!);
  writeFileSync(file, JSON.stringify(j));
  return file;
}

describe("merge", () => {
  it("of every shard gives the verdict of the whole bound", async () => {
    expect(await main(["merge", shard["v8-0"]!, shard["v8-1"]!, "--json"])).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ verdict: "holds", complete: true });
  });

  it("of shard files of several variants gives each variant's verdict", async () => {
    expect(await main(["merge", shard["all-0"]!, shard["all-1"]!, "--json"])).toBe(1);
    const all = (JSON.parse(io.out) as { results: { variant: string; verdict: string; complete: boolean }[] }).results;
    expect(all.map((v) => [v.variant, v.verdict, v.complete])).toEqual([
      ["v2", "violated", true],
      ["v7", "violated", true],
      ["v8", "holds", true],
    ]);
  });

  it("of a set with a shard missing prints only JSON with --json, complete: false, no holds, and exits 2", async () => {
    expect(await main(["merge", shard["v8-0"]!, "--json"])).toBe(2);
    expect(JSON.parse(io.out)).toMatchObject({ verdict: "incomplete", complete: false });
    const j = jsonResult(io.out);
    expect(j).toMatchObject({ verdict: "incomplete", complete: false, missingShards: [1], proof: [] });
    expect(j.properties.map((p: { verdict: string }) => p.verdict)).not.toContain("holds");
    expect(io.err.trim().split("\n")).toEqual(["kvm-ordercheck: incomplete: shards 1 of 2 are missing (riscv-hgatp@v8); the bound is not covered"]);
  });

  it("of one shard's own --json: no holds either", async () => {
    expect(JSON.parse(readFileSync(shard["v8-0"]!, "utf8"))).toMatchObject({ verdict: "incomplete", complete: false });
  });

  it("of a variant file's shards needs the file, and merges them with --variant-file", async () => {
    expect(await main(["merge", shard["file-0"]!, shard["file-1"]!])).toBe(2);
    expect(io.err).toMatch(/is a shard of riscv-hgatp@v9-nolock, which is not shipped: give its file with --variant-file/);
    io.out = "";
    expect(await main(["merge", shard["file-0"]!, shard["file-1"]!, "--variant-file", fx.buggy, "--json"])).toBe(1);
    expect(jsonResult(io.out)).toMatchObject({ variant: "v9-nolock", verdict: "violated", complete: true });
  });

  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it.each([
    ["null", () => write("null.json", "null"), /null.json is not the --json output of check --exhaustive: expected the --json output/],
    ['{"result":{}}', () => write("empty.json", '{"result":{}}'), /empty.json is not the --json output of check --exhaustive: results/],
    ["a shard count of 1e20", () => tampered("v8-0", (j) => void ((j.result.shard as { count: number }).count = 1e20)), /result\.shard\.count/],
    ["a count that is a string", () => tampered("v8-0", (j) => void (j.result.programs = "x")), /result\.programs/],
    ["a call in the alphabet that is C", () => tampered("v8-0", (j) => void ((j.result.alphabet as { id?: unknown }[])[1]!.id = "0); system(\"id\"")), /result\.alphabet\[1\]\.id: expected a __u64/],
    ["an alphabet of other calls", () => tampered("v8-0", (j) => void ((j.result.alphabet as { id?: unknown }[])[1]!.id = 5)), /is not a shard this tool wrote: its alphabet is not riscv-hgatp@v8's/],
    [
      "a finding that does not replay",
      () =>
        tampered("v7", (j) => {
          const f = Object.values(j.result.findings as Record<string, { threads: unknown; decisions: number[] }>)[0]!;
          f.threads = [[{ ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 }]];
          f.decisions = [];
        }),
      /the finding for [\w-]+ does not violate it when replayed/,
    ],
    [
      "one of several counterexamples with a decision out of range",
      () => tampered("v7", (j) => void (Object.values(j.result.distinct as Record<string, { decisions: number[] }[]>)[0]![0]!.decisions = [9])),
      /the finding for [\w-]+: (decision 0 is 9|it has 1 decisions, but its execution makes 0 choices)/,
    ],
    ["a merge's own output", () => tampered("v8-0", (j) => void (j.result.missingShards = [1])), /this is the output of merge, not of one shard/],
    ["an option the target does not take", () => tampered("v8-0", (j) => void (j.result.options = { contract: "strict" })), /option contract=strict is not one riscv-hgatp takes/],
  ])("of %s is refused on one line", async (_what, make, message) => {
    expect(await main(["merge", make()])).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err.trim().split("\n")).toHaveLength(1);
  });

  it.each([
    ["shards of different bounds", () => [shard["v8-0"]!, shard.v8calls2!], /not part of the same run/],
    ["shards of different variants", () => [shard["v8-0"]!, shard.v7!], /has shards of riscv-hgatp@v7, .* of riscv-hgatp@v8: not parts of one run/],
    ["a shard given twice", () => [shard["v8-0"]!, shard["v8-0"]!], /shard 0\/2 given twice/],
    ["a directory", () => [dir], /is not a regular file/],
    ["/dev/zero", () => ["/dev/zero"], /\/dev\/zero is not a regular file/],
  ])("of %s is refused on one line", async (_what, files, message) => {
    expect(await main(["merge", ...files()])).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err.trim().split("\n")).toHaveLength(1);
  });
});
