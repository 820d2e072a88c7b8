/**
 * The shipped variants in C (the .c files beside their TypeScript transcriptions) give
 * what the transcriptions give: the same verdicts with counterexamples of the same size
 * in random runs, and, exhaustively, the same programs, executions and classes and the
 * same properties violated. The TypeScript forms are the oracle of the C front end.
 * The 2x3 exhaustive comparisons are behind KVMOC_C_FULL=1 (minutes per variant).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkExhaustive } from "../src/explore/exhaustive/check.js";
import { checkRandom } from "../src/explore/random.js";
import { findTarget } from "../src/targets/registry.js";
import type { Subject } from "../src/targets/target.js";
import { SHIPPED_C } from "../src/variant/c/shipped.js";
import { cVariant } from "../src/variant/c/variant.js";
import { userVariantSubject } from "../src/variant/subject.js";

const REPO = join(import.meta.dirname, "..");


async function cSubject(target: string, file: string): Promise<Subject> {
  const { variant } = await cVariant(file, readFileSync(join(REPO, file), "utf8"), target);
  return userVariantSubject(join(REPO, file), variant, {});
}

const randomRow = (s: Subject) =>
  checkRandom(s, { runs: 300, seed: 11, maxThreads: 2, maxCalls: 2 }).verdicts.map((v) =>
    v.verdict === "violated" ? { property: v.property, verdict: v.verdict, size: v.counterexample.size } : { property: v.property, verdict: v.verdict },
  );

const exhaustiveRow = (s: Subject, calls: number) => {
  const r = checkExhaustive(s, { threads: 2, calls });
  return { programs: r.programs, executions: r.executions, classes: r.classes, violated: Object.keys(r.findings).sort() };
};

const FULL = process.env.KVMOC_C_FULL === "1";

describe("the shipped variants in C", () => {
  for (const { target, name, file } of SHIPPED_C) {
    it(`${target}@${name} in C has the TypeScript transcription's random verdicts and 2x2 exhaustive counts`, async () => {
      const ts = findTarget(target).subject(name, {});
      const c = await cSubject(target, file);
      expect(c.variant).toBe(name);
      expect(randomRow(c)).toEqual(randomRow(ts));
      const want = exhaustiveRow(ts, 2);
      expect(want.executions).toBeGreaterThan(0);
      expect(exhaustiveRow(c, 2)).toEqual(want);
    });
  }

  for (const { target, name, file } of SHIPPED_C)
    it.runIf(FULL)(`${target}@${name} in C has the TypeScript transcription's 2x3 exhaustive counts (KVMOC_C_FULL=1)`, async () => {
      expect(exhaustiveRow(await cSubject(target, file), 3)).toEqual(exhaustiveRow(findTarget(target).subject(name, {}), 3));
    }, 1_800_000);
});
