/**
 * The --json envelope: one shape for every command, validated by a real JSON Schema
 * validator (ajv, draft 2020-12) against the schema file the package ships, which must be
 * the one zod generates from the schema the CLI checks its output against.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { outputJsonSchemaText } from "../src/report/schema.js";
import { captureOutput } from "./capture.js";

const io = captureOutput();
const shipped = readFileSync(new URL("../schema/output.schema.json", import.meta.url), "utf8");
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(shipped) as object);
const dir = mkdtempSync(join(tmpdir(), "kvmoc-json-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI, validates its stdout against the shipped schema, returns it parsed. */
async function output(argv: string[], status: number) {
  io.out = "";
  expect(await main(argv)).toBe(status);
  const j = JSON.parse(io.out) as Record<string, unknown>;
  const ok = validate(j);
  expect(ok, JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  return j as { schemaVersion: number; command: string; verdict: string; complete: boolean; results: Record<string, unknown>[]; matrix?: object };
}

describe("the --json output and its JSON Schema", () => {
  it("the shipped schema file is the one zod generates (run `npm run schema` after changing report/schema.ts)", () => {
    expect(shipped).toBe(outputJsonSchemaText());
  });

  it("a random check, with a violation and with several variants, has the one shape", async () => {
    const one = await output(["check", "riscv-hgatp@v7", "--runs", "300", "--seed", "4", "--json"], 1);
    expect(one).toMatchObject({ schemaVersion: 1, command: "check", verdict: "violated", complete: true });
    expect(one.results).toHaveLength(1);
    const many = await output(["check", "riscv-hgatp", "--runs", "200", "--seed", "3", "--json"], 1);
    expect(many.results).toHaveLength(3);
    expect(Object.keys(many.matrix!)).toContain("riscv-hgatp@v8");
  });

  it("a check that leaves linearizable out has null coverage and says why, in random and exhaustive mode and in text", async () => {
    const props = ["--property", "hgatp-single-view"];
    for (const mode of [["--runs", "100", "--seed", "1"], ["--exhaustive", "--threads", "2", "--calls", "1", "--workers", "1"]]) {
      const j = await output(["check", "riscv-hgatp@v8", ...mode, ...props, "--json"], 0);
      expect(j.results[0]).toMatchObject({ coverage: null, coverageNote: expect.stringMatching(/^model coverage not recorded \(.*linearizable property's search/) });
      io.out = "";
      expect(await main(["check", "riscv-hgatp@v8", ...mode, ...props])).toBe(0);
      expect(io.out).toMatch(/model coverage: not recorded \(/);
    }
    const all = await output(["check", "riscv-hgatp@v8", "--runs", "100", "--seed", "1", "--json"], 0);
    expect(all.results[0]!.coverage).toMatchObject({ machine: "riscv-vm" });
    expect(all.results[0]!.coverageNote).toBeUndefined();
  });

  it("an exhaustive shard is incomplete, and its merge with the others is complete", async () => {
    const args = ["check", "riscv-hgatp@v8", "--exhaustive", "--threads", "2", "--calls", "1", "--workers", "1", "--json"];
    const files: string[] = [];
    for (const i of [0, 1]) {
      const part = await output([...args, "--shard", `${i}/2`], 0);
      expect(part).toMatchObject({ verdict: "incomplete", complete: false });
      files.push(join(dir, `shard-${i}.json`));
      writeFileSync(files[i]!, io.out);
    }
    const merged = await output(["merge", ...files, "--json"], 0);
    expect(merged).toMatchObject({ command: "merge", verdict: "holds", complete: true });
    expect(merged.results[0]!.proof).not.toEqual([]);
  });

  it("a replay has the one shape, with its one property", async () => {
    const check = await output(["check", "riscv-hgatp@v2", "--runs", "300", "--seed", "2", "--json"], 1);
    const replay = await output(["replay", String(check.results[0]!.replay), "--json"], 1);
    expect(replay).toMatchObject({ command: "replay", verdict: "violated" });
    expect(replay.results[0]!.properties).toHaveLength(1);
  });

  it("the schema rejects what is not the envelope (an output without schemaVersion, a result without a verdict)", async () => {
    const j = await output(["check", "riscv-hgatp@v8", "--runs", "50", "--seed", "1", "--json"], 0);
    const { schemaVersion: _, ...noVersion } = j;
    expect(validate(noVersion)).toBe(false);
    const { verdict: __, ...noVerdict } = j.results[0]!;
    expect(validate({ ...j, results: [noVerdict] })).toBe(false);
  });
});
