/**
 * DPOR (with its sleep sets, and what the properties make dependent) against the
 * unreduced search, on every shipped variant: the same verdict for every property and,
 * where one is violated, a shortest counterexample of the same size (calls, then
 * preemptions). A reduction that explored too little would say "holds" where the
 * unreduced search finds a violation, or a longer counterexample than the shortest.
 *
 * The unreduced search runs every interleaving, so the bounds are the ones it can
 * finish: two threads of one call. On riscv-hgatp a KVM_CREATE_VCPU beside a
 * KVM_SET_USER_MEMORY_REGION alone has 1.1M interleavings (DPOR: one class), so its
 * alphabet is taken in two halves, each with KVM_ENABLE_CAP and both
 * KVM_CHECK_EXTENSIONs.
 */
import { describe, expect, it } from "vitest";
import type { ExhaustiveResult } from "../src/explore/exhaustive/check.js";
import { checkExhaustive } from "../src/explore/exhaustive/check.js";
import { TARGETS } from "../src/targets/registry.js";
import type { Subject } from "../src/targets/target.js";
import type { Call } from "../src/kernel/rt/trace.js";

/** `subject` with an exhaustive alphabet of only the calls `keep` accepts (threads stay symmetric). */
function restricted(subject: Subject, keep: (c: Call) => boolean): Subject {
  const alphabet = (subject.exhaustive?.alphabet ?? subject.alphabet).filter(keep);
  return { ...subject, exhaustive: { alphabet } };
}

/** What a run states per property: holds, or the size of its shortest counterexample. */
function statement(r: ExhaustiveResult): Record<string, string> {
  return Object.fromEntries(
    r.properties.map((p) => {
      const f = r.findings[p];
      return [p, f ? `violated by ${f.calls} calls with ${f.preemptions} preemptions` : "holds"];
    }),
  );
}

interface Case {
  readonly name: string;
  readonly subject: Subject;
}

const cases: Case[] = TARGETS.flatMap((t) =>
  t.variants.flatMap(({ name }): Case[] => {
    const subject = t.subject(name);
    if (t.name !== "riscv-hgatp") return [{ name: `${t.name}@${name}`, subject }];
    const without = (ioctl: string) => restricted(subject, (c) => c.ioctl !== ioctl);
    return [
      { name: `${t.name}@${name} without KVM_SET_USER_MEMORY_REGION`, subject: without("KVM_SET_USER_MEMORY_REGION") },
      { name: `${t.name}@${name} without KVM_CREATE_VCPU`, subject: without("KVM_CREATE_VCPU") },
    ];
  }),
);

describe("DPOR states what the unreduced search states, at 2 threads x 1 call", () => {
  for (const c of cases) {
    it(`on ${c.name}`, () => {
      const bound = { threads: 2, calls: 1 };
      const dpor = checkExhaustive(c.subject, { ...bound, reduction: "dpor" });
      const none = checkExhaustive(c.subject, { ...bound, reduction: "none" });
      expect(statement(dpor)).toEqual(statement(none));
      // The reduction explores no more than the search it reduces (and one execution per class).
      expect(dpor.classes).toBeLessThanOrEqual(none.classes);
      expect(dpor.programs).toBe(none.programs);
    });
  }

  it("and a violation is among what they state (the comparison is not between two empty answers)", () => {
    const v2 = cases.find((c) => c.name.startsWith("riscv-hgatp@v2 without KVM_SET"))!;
    const r = checkExhaustive(v2.subject, { threads: 2, calls: 1 });
    expect(statement(r)["hgatp-single-view"]).toMatch(/^violated by 2 calls/);
  });
});
