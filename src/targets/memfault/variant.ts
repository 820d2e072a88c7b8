/**
 * The interface a memory-fault variant implements: which arch's KVM_RUN it runs, how
 * `gmem_abort()` prepares the exit on a guest_memfd error, and what (if anything) the
 * generic KVM_RUN return path does to `kvm_run`.
 */
import type { RunReturnHook } from "../../kernel/generic/vcpu_ioctl.js";
import type { GmemErrorExit } from "../../kernel/arm64/arch.js";
import type { PatchRef } from "../patch.js";

export interface MemfaultVariant {
  readonly name: string;
  readonly summary: string;
  readonly patch: PatchRef;
  /** arm64 only: the memory-fault exit `gmem_abort()` prepares when `kvm_gmem_get_pfn()` fails. */
  readonly gmemErrorExit?: GmemErrorExit;
  /** Between `kvm_arch_vcpu_ioctl_run()` returning and `vcpu->mutex` being dropped. */
  readonly onRunReturn?: RunReturnHook<unknown>;
}
