/**
 * The C reproducers a report carries for a counterexample (src/report/repro/): the
 * standalone program (`<linux/kvm.h>` and libc only) and the KVM-selftest one. A
 * counterexample the generator cannot turn into C gets its reason instead, so one
 * failure does not cost the rest of the report.
 */
import type { Counterexample } from "../explore/counterexample.js";
import type { Subject } from "../targets/target.js";
import { selftestC } from "./repro/selftest.js";
import { standaloneC } from "./repro/standalone.js";

export interface Reproducer {
  readonly title: string;
  /** The file name a report bundle uses for it, relative to the counterexample's stem. */
  readonly file: string;
  readonly code: string | null;
  readonly error?: string;
}

const STYLES = [
  { title: "standalone C (<linux/kvm.h> and libc)", suffix: ".c", emit: standaloneC },
  { title: "KVM selftest (tools/testing/selftests/kvm)", suffix: ".selftest.c", emit: selftestC },
] as const;

export function reproducersOf(cx: Counterexample, subject: Subject, stem = cx.property): Reproducer[] {
  return STYLES.map((s) => {
    try {
      return { title: s.title, file: `${stem}${s.suffix}`, code: s.emit(cx, subject) };
    } catch (e) {
      return { title: s.title, file: `${stem}${s.suffix}`, code: null, error: e instanceof Error ? e.message : String(e) };
    }
  });
}
