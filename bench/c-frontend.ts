/**
 * The C front end: for each shipped variant kept in C, the 2x2 exhaustive run of its C
 * form against its TypeScript form: the counts must agree (test/c-shipped.test.ts checks
 * it; the 2x3 comparison is `KVMOC_C_FULL=1 npx vitest run test/c-shipped.test.ts`), the
 * time is the cost of interpreting C, as a ratio.
 */
import { readFileSync } from "node:fs";
import { checkExhaustive } from "../src/explore/exhaustive/check.js";
import { findTarget } from "../src/targets/registry.js";
import { SHIPPED_C, shippedCFile } from "../src/variant/c/shipped.js";
import { cVariant } from "../src/variant/c/variant.js";
import { userVariantSubject } from "../src/variant/subject.js";

for (const { target, name } of SHIPPED_C) {
  const file = shippedCFile(target, name)!;
  const c = userVariantSubject(file, (await cVariant(file, readFileSync(file, "utf8"), target)).variant, {});
  const ts = findTarget(target).subject(name, {});
  const a = checkExhaustive(ts, { threads: 2, calls: 2 });
  const b = checkExhaustive(c, { threads: 2, calls: 2 });
  const same = a.executions === b.executions && a.classes === b.classes && a.programs === b.programs;
  console.log(
    `${target}@${name} in C, 2x2 exhaustive: ${b.executions} executions in ${b.ms.toFixed(0)} ms (${Math.round(b.executions / (b.ms / 1000))}/s), ` +
      `${(b.ms / a.ms).toFixed(2)}x the TypeScript form's time; counts ${same ? "agree" : `DIFFER (TypeScript ${a.executions}/${a.classes})`}`,
  );
}
