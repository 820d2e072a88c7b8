import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError, check, checkVariantFile } from "../src/index.js";
import { expectVariantHolds, expectVariantViolates } from "../src/library/vitest.js";
import type { Fixtures } from "./variant-fixtures.js";
import { makeFixtures } from "./variant-fixtures.js";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fx.cleanup());

describe("the library API", () => {
  it("checks target@variant at random and returns the verdict object", async () => {
    const [v, ...rest] = await check("riscv-hgatp@v8", { runs: 300, seed: 1 });
    expect(rest).toHaveLength(0);
    expect(v).toMatchObject({ target: "riscv-hgatp", variant: "v8", spec: "riscv-hgatp@v8", mode: "random", holds: true, seed: 1, proof: [] });
    expect(v!.properties.map((p) => p.verdict)).toEqual(v!.properties.map(() => "holds"));
    expect(v!.properties.map((p) => p.property)).toContain("hgatp-single-view");
  });

  it("checks a variant file: the violated property with its size, message and replay token", async () => {
    const v = await checkVariantFile(fx.buggy, { runs: 500, seed: 3, properties: ["hgatp-single-view"] });
    expect(v).toMatchObject({ spec: "riscv-hgatp@v9-nolock", source: fx.buggy, holds: false });
    const p = v.properties[0]!;
    if (p.verdict !== "violated") throw new Error("expected a violation");
    expect(p.size).toEqual({ calls: 2, threads: 2, preemptions: 1 });
    expect(p.message).toMatch(/changed the g-stage configuration/);
    expect(p.replay).toMatch(/^kvmoc1\./);
    expect(p.counterexample.threads).toHaveLength(2);
  });

  it("checks exhaustively: a proof statement per holding property, the shortest counterexample otherwise", async () => {
    const [v7] = await check("riscv-hgatp@v7", { exhaustive: true });
    expect(v7!.mode).toBe("exhaustive");
    const single = v7!.properties.find((p) => p.property === "hgatp-single-view")!;
    expect(single.verdict).toBe("violated");
    const deadlock = v7!.properties.find((p) => p.property === "no-deadlock")!;
    expect(deadlock).toMatchObject({ verdict: "holds", proof: expect.stringMatching(/^no-deadlock holds for all programs of <= 2 calls per thread on <= 2 threads/) });
    const [v8] = await check("riscv-hgatp@v8", { exhaustive: true });
    expect(v8!.holds).toBe(true);
    expect(v8!.proof).toHaveLength(v8!.properties.length);
  });

  it("with variantFiles, a target's check includes the file's variant", async () => {
    const verdicts = await check("riscv-hgatp", { runs: 200, seed: 3, properties: ["hgatp-single-view"], variantFiles: [fx.buggy] });
    expect(verdicts.map((v) => v.spec)).toEqual(["riscv-hgatp@v2", "riscv-hgatp@v7", "riscv-hgatp@v8", "riscv-hgatp@v9-nolock"]);
  });

  for (const { what, opts, msg } of [
    { what: "zero runs", opts: { runs: 0 }, msg: /check option runs: .*>=1/ },
    { what: "a misspelt option", opts: { rnus: 10 }, msg: /Unrecognized key.*rnus/ },
    { what: "a seed for an exhaustive run", opts: { exhaustive: true, seed: 3 }, msg: /seed applies to random runs/ },
    { what: "an unknown property", opts: { properties: ["nonsense"] }, msg: /unknown property 'nonsense'/ },
  ])
    it(`options with ${what} throw a UsageError`, async () => {
      const r = check("riscv-hgatp@v8", opts as never);
      await expect(r).rejects.toBeInstanceOf(UsageError);
      await expect(check("riscv-hgatp@v8", opts as never)).rejects.toThrow(msg);
    });

  it("a broken variant file throws a UsageError naming the problem", async () => {
    const f = fx.write("broken.ts", `export default { target: "riscv-hgatp", name: "v9" };\n`);
    await expect(checkVariantFile(f)).rejects.toThrow(/broken\.ts: summary: .*expected string/);
  });
});

describe("the vitest helper", () => {
  it("passes for a variant that holds", async () => {
    const [v] = await expectVariantHolds(fx.correct, { runs: 300, seed: 1 });
    expect(v!.spec).toBe("riscv-hgatp@v9-example");
  });

  it("flags the buggy variant with the expected property", async () => {
    await expectVariantViolates(fx.buggy, "hgatp-single-view", { runs: 500, seed: 3, properties: ["hgatp-single-view"] });
  });

  it("fails with each violation, its size and the replay command (with the file)", async () => {
    const run = expectVariantHolds(fx.buggy, { runs: 500, seed: 3, properties: ["hgatp-single-view"] });
    await expect(run).rejects.toThrow(/riscv-hgatp@v9-nolock violates hgatp-single-view: .*\(2 calls, 2 threads, 1 preemptions\); replay: kvm-ordercheck replay kvmoc1\.\S+ --variant-file \S+v9-nolock\.ts/);
  });

  it("has matchers: toHoldAll and toViolate on verdicts", async () => {
    expect(await check("riscv-hgatp@v8", { runs: 200, seed: 1 })).toHoldAll();
    const v7 = await check("riscv-hgatp@v7", { runs: 500, seed: 4, properties: ["hgatp-single-view"] });
    expect(v7).toViolate("hgatp-single-view");
    expect(v7).not.toHoldAll();
    expect(() => expect(v7).toHoldAll()).toThrow(/riscv-hgatp@v7 violates hgatp-single-view/);
  });
});

describe("the package entries, from a project outside the repository", () => {
  it("resolves kvm-ordercheck, kvm-ordercheck/variant and kvm-ordercheck/vitest and checks with the library", () => {
    const script = `
      const lib = await import("kvm-ordercheck");
      const [v] = await lib.check("riscv-hgatp@v8", { runs: 50 });
      const variant = await import("kvm-ordercheck/variant");
      console.log(JSON.stringify({ holds: v.holds, define: typeof variant.defineVariant, vitest: import.meta.resolve("kvm-ordercheck/vitest") }));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: fx.dir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ holds: true, define: "function" });
    expect(j.vitest).toMatch(/\/dist\/src\/library\/vitest\.js$/);
  });
});
