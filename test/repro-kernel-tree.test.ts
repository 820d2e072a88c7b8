/**
 * The selftest-style reproducers in a real kernel tree: every counterexample of every
 * shipped target@variant (those a default `kvm-ordercheck` run reports), written as a
 * KVM selftest, builds against the tree's selftest library with -Werror, passes the
 * tree's scripts/checkpatch.pl, and `replay --kernel-tree` puts one where the kvm
 * Makefile builds it. Where /dev/kvm is, the x86 ones run.
 *
 * The tree is $KVM_ORDERCHECK_KERNEL_TREE, else ~/.cache/kvm-ordercheck/linux, as
 * test/fixtures/selftest/prepare-kernel-tree.sh prepares it (.ci/run does, before the
 * tests). Without one these tests skip, saying so.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Counterexample } from "../src/explore/counterexample.js";
import { checkRandom } from "../src/explore/random.js";
import { placement, selftestName } from "../src/report/repro/kernel-tree.js";
import { archOf } from "../src/report/repro/plan.js";
import { selftestC } from "../src/report/repro/selftest.js";
import { DEFAULT_DEVICE, devicePath, probeDevice } from "../src/real/device.js";
import { TARGETS } from "../src/targets/registry.js";
import { buildSelftests, kvm, make, prepared, removeAll, tree, why, x86Dir } from "./kernel-tree.js";

const execFileAsync = promisify(execFile);
const kvmUsable = devicePath() === DEFAULT_DEVICE && probeDevice(DEFAULT_DEVICE).available;

interface Emitted {
  readonly name: string;
  readonly c: string;
}

describe.skipIf(!prepared)(`selftests in a kernel tree (${prepared ? tree : why})`, () => {
  const emitted: Emitted[] = [];
  const written: string[] = [];

  beforeAll(() => {
    // The counterexamples a default run reports: every shipped variant, random runs.
    for (const t of TARGETS)
      for (const v of t.variants) {
        const subject = t.subject(v.name);
        const r = checkRandom(subject, { runs: 2000, seed: 1, maxThreads: 3, maxCalls: 4, options: {}, strategy: { kind: "uniform" } });
        for (const verdict of r.verdicts) {
          if (verdict.verdict !== "violated") continue;
          const cx: Counterexample = verdict.counterexample;
          emitted.push({ name: `${selftestName(t.name, v.name, cx.property)}_${process.pid}`, c: selftestC(cx, subject) });
        }
      }
  }, 120_000);

  afterAll(() => {
    removeAll(written);
  });

  it("every shipped variant's counterexamples build as selftests against the tree's library with -Werror", () => {
    // At least one counterexample per target: the search found what the models hold.
    expect(new Set(emitted.map((e) => e.name.split("_").slice(2, 4).join("_"))).size).toBeGreaterThanOrEqual(TARGETS.length);
    const r = buildSelftests(emitted, written);
    const programs = r.programs;
    expect(r.out).not.toMatch(/\b(error|warning):/);
    expect(r.status).toBe(0);
    for (const p of programs) expect(existsSync(p), p).toBe(true);
    console.log(`repro-kernel-tree: ${programs.length} selftests built in ${tree}`);
    if (!kvmUsable || process.arch !== "x64") {
      console.warn("repro-kernel-tree: no usable /dev/kvm on an x86-64 host; the x86 selftests were built, not run");
      return;
    }
    // On the host: 0 the documented outcome, 254 TEST_ASSERT failed (the buggy outcome), 4 skipped.
    for (const [k, e] of emitted.entries()) {
      if (!/^kvm_ordercheck_x86_/.test(e.name)) continue;
      const ring = e.name.startsWith("kvm_ordercheck_x86_caps_current_linearizable");
      // The dirty-ring race with its default time budget; the others 200 iterations (argv[1]) at most.
      const r = spawnSync(programs[k]!, ring ? [] : ["200"], { encoding: "utf8", timeout: 60_000 });
      console.log(`repro-kernel-tree: ${e.name}: exit ${r.status}`);
      expect([0, 4, 254], `${e.name}: ${r.stdout}${r.stderr}`).toContain(r.status);
      // Linux's dirty-ring enable races (x86-caps@current): the selftest catches it.
      if (ring) expect(r.status).toBe(254);
    }
  }, 600_000);

  it("checkpatch finds no error and no warning in them", async () => {
    const files = emitted.map((e) => {
      const f = join(kvm, x86Dir(), `${e.name}.c`);
      if (!existsSync(f)) {
        writeFileSync(f, e.c);
        written.push(f);
      }
      return f;
    });
    // A checkpatch per core, each on its share of the files (it reads them one by one).
    const jobs = availableParallelism();
    const shares = Array.from({ length: jobs }, (_, k) => files.filter((_, i) => i % jobs === k)).filter((s) => s.length > 0);
    const outs = await Promise.all(
      shares.map((share) =>
        execFileAsync("perl", [join(tree, "scripts", "checkpatch.pl"), "--no-tree", "--show-types", "-f", ...share], { encoding: "utf8", timeout: 300_000 }).then(
          (r) => r.stdout + r.stderr,
          // checkpatch exits 1 when it finds something: what it said is still the answer.
          (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`,
        ),
      ),
    );
    const out = outs.join("\n");
    const totals = out.split("\n").filter((l) => l.startsWith("total:"));
    expect(totals).toHaveLength(files.length);
    expect(out.split("\n").filter((l) => /^(ERROR|WARNING):/.test(l))).toEqual([]);
  }, 300_000);

  it("replay --kernel-tree writes the test into the arch directory with its Makefile line, and make builds it", async () => {
    const token = "kvmoc1.eyJ0IjoieDg2LW1lbWZhdWx0IiwidiI6ImN1cnJlbnQiLCJvIjp7fSwicCI6Im5vLXN0YWxlLW1lbWZhdWx0IiwidGgiOltbeyJpb2N0bCI6IktWTV9SVU4iLCJmZCI6eyJ2Y3B1IjowfSwiaW1tZWRpYXRlX2V4aXQiOjAsImd1ZXN0IjoiZ21lbSJ9LHsiaW9jdGwiOiJLVk1fUlVOIiwiZmQiOnsidmNwdSI6MH0sImltbWVkaWF0ZV9leGl0IjoxLCJndWVzdCI6bnVsbH1dXSwiZCI6WzEsMV19";
    const p = placement(tree, archOf("x86-memfault"), selftestName("x86-memfault", "current", "no-stale-memfault"));
    const makefile = readFileSync(p.makefile, "utf8");
    written.push(p.file, `${p.file.slice(0, -2)}.o`, `${p.file.slice(0, -2)}.d`, p.file.slice(0, -2));
    try {
      const out: string[] = [];
      expect(await main(["replay", token, "--kernel-tree", tree], (s) => void out.push(s))).toBe(1);
      expect(out.join("")).toContain(`with '${p.line}' in ${p.makefile}`);
      expect(readFileSync(p.file, "utf8")).toMatch(/^\/\/ SPDX-License-Identifier: GPL-2\.0-only\n/);
      const after = readFileSync(p.makefile, "utf8");
      expect(after.split("\n").filter((l) => l === p.line)).toHaveLength(1);
      // Again: the file is rewritten, the line not added twice.
      await main(["replay", token, "--kernel-tree", tree], () => {});
      expect(readFileSync(p.makefile, "utf8")).toBe(after);
      // The tree's own list builds it (the target is the program under $(OUTPUT), the kvm directory).
      const r = make([join(kvm, p.program)]);
      expect(r.out).not.toMatch(/\b(error|warning):/);
      expect(r.status).toBe(0);
    } finally {
      writeFileSync(p.makefile, makefile);
    }
  }, 300_000);
});
