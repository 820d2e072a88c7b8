/**
 * The interface a memory-fault variant implements: which arch's KVM_RUN it runs, how
 * `gmem_abort()` handles a guest_memfd error, what (if anything) the generic KVM_RUN
 * return path does to `kvm_run`, and the kvm_main.c paths it replaces (by kernel name;
 * src/targets/memfault/hooks.ts lists them).
 */
import type { RunReturnHook } from "../../kernel/generic/vcpu_ioctl.js";
import type { GmemErrorExit } from "../../kernel/arm64/arch.js";
import type { KvmMainOverrides } from "../../kernel/generic/kvm.js";
import type { VariantBase } from "../patch.js";

export interface MemfaultVariant extends VariantBase, KvmMainOverrides {
  /** arm64 only: `gmem_abort()`'s branch for a `kvm_gmem_get_pfn()` error; returns what gmem_abort() returns. */
  readonly gmemErrorExit?: GmemErrorExit;
  /** Between `kvm_arch_vcpu_ioctl_run()` returning and `vcpu->mutex` being dropped. */
  readonly onRunReturn?: RunReturnHook<unknown>;
}
