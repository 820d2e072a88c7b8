/** The line every text report carries under a counterexample: how to get its C reproducer. */
export function reproHint(replay: string): string {
  return `C reproducer: kvm-ordercheck replay ${replay} --repro repro.c (--repro-style selftest for a KVM selftest)`;
}
