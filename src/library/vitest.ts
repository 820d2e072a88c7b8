/**
 * `kvm-ordercheck/vitest`: assertions for a project's own vitest suite.
 *
 *   import { expectVariantHolds, expectVariantViolates } from "kvm-ordercheck/vitest";
 *   it("v9 holds", () => expectVariantHolds("./kvm/v9.ts", { runs: 2000 }));
 *
 * or, after importing this module once, the matchers on verdicts:
 *
 *   expect(await check("riscv-hgatp@v8")).toHoldAll();
 *   expect(await checkVariantFile("./v9.ts")).toViolate("hgatp-single-view");
 *
 * A failure message names each violated property, the counterexample's size and the
 * replay command.
 */
import { expect } from "vitest";
import type { CheckOptions, Verdict } from "./check.js";
import { check, checkVariantFile, describeViolations } from "./check.js";

/** A variant file (a path: has a / or ends in .ts/.js) or `target[@variant]`. */
function isPath(what: string): boolean {
  return /[\\/]/.test(what) || /\.[cm]?[jt]s$/.test(what);
}

/** Checks a variant file or a target[@variant]: the verdicts, one per variant. */
export async function verdictsOf(what: string, opts: CheckOptions = {}): Promise<Verdict[]> {
  if (!isPath(what)) return check(what, opts);
  const { variantFiles, ...rest } = opts;
  if (variantFiles?.length) return check((await checkVariantFile(what, rest)).target, opts);
  return [await checkVariantFile(what, rest)];
}

const isVerdict = (v: unknown): v is Verdict =>
  typeof v === "object" && v !== null && typeof (v as Verdict).spec === "string" && Array.isArray((v as Verdict).properties);

expect.extend({
  /** Every property of every verdict holds (n/a counts as holding). */
  toHoldAll(received: unknown) {
    const list = Array.isArray(received) ? received : [received];
    if (!list.every(isVerdict)) return { pass: false, message: () => "toHoldAll expects a verdict or verdicts of check()/checkVariantFile()" };
    const lines = describeViolations(list);
    return {
      pass: lines.length === 0,
      message: () =>
        lines.length ? `expected every property to hold:\n  ${lines.join("\n  ")}` : `expected a violation, but ${list.map((v) => v.spec).join(", ")} hold`,
    };
  },
  /** Some verdict violates `property`. */
  toViolate(received: unknown, property: string) {
    const list = Array.isArray(received) ? received : [received];
    if (!list.every(isVerdict)) return { pass: false, message: () => "toViolate expects a verdict or verdicts of check()/checkVariantFile()" };
    const hit = list.some((v) => v.properties.some((p) => p.property === property && p.verdict === "violated"));
    const others = describeViolations(list);
    return {
      pass: hit,
      message: () =>
        hit
          ? `expected ${property} to hold:\n  ${others.filter((l) => l.includes(` violates ${property}:`)).join("\n  ")}`
          : `expected ${list.map((v) => v.spec).join(", ")} to violate ${property}; ${others.length ? `violated instead:\n  ${others.join("\n  ")}` : "every property holds"}`,
    };
  },
});

interface KvmOrdercheckMatchers<R = unknown> {
  /** Every property of the verdict(s) holds. */
  toHoldAll(): R;
  /** The verdict(s) violate `property`. */
  toViolate(property: string): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends KvmOrdercheckMatchers<T> {}
}

/** Fails the test unless every property of the variant file / target[@variant] holds. */
export async function expectVariantHolds(what: string, opts: CheckOptions = {}): Promise<readonly Verdict[]> {
  const verdicts = await verdictsOf(what, opts);
  expect(verdicts).toHoldAll();
  return verdicts;
}

/** Fails the test unless the variant file / target[@variant] violates `property`. */
export async function expectVariantViolates(what: string, property: string, opts: CheckOptions = {}): Promise<readonly Verdict[]> {
  const verdicts = await verdictsOf(what, opts);
  expect(verdicts).toViolate(property);
  return verdicts;
}
