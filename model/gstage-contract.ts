/**
 * What a version of the RISC-V HGATP series documents about its enable-cap: which
 * argument selects which page-table depth, when the call is too late, and with which
 * error. The reference machine (riscv-vm.ts) is parameterised by this; each variant
 * module states its own, quoting its documentation.
 */
export interface GstageCapContract {
  /** The capability the documentation defines (a uapi name). */
  readonly cap: string;
  /** The documentation, quoted (api.rst section or commit message). */
  readonly text: string;
  /** The pgd_levels a valid `args[0]` selects, or null where the documentation promises -EINVAL. */
  levelsFor(arg: number): number | null;
  /** The call must fail once a vCPU exists. */
  readonly rejectAfterVcpu: true;
  /** The call must fail once a memslot exists (v2 says nothing about memslots). */
  readonly rejectAfterMemslot: boolean;
  /** The errno a too-late call gets; null: the documentation promises failure but names no errno. */
  readonly tooLateErrno: number | null;
  /** "can only be set once per VM": a second set must fail. */
  readonly setOnce: boolean;
}
