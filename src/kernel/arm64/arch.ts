/**
 * arm64 KVM_RUN (arch/arm64/kvm/arm.c `kvm_arch_vcpu_ioctl_run()`) and its stage-2
 * fault path (arch/arm64/kvm/mmu.c `kvm_handle_guest_abort()` → `gmem_abort()` or
 * `io_mem_abort()`), newest trees found (~7.0/7.1; kernel-facts D.3, D.5). A variant
 * supplies how `gmem_abort()` prepares the memory-fault exit, and may hook the generic
 * KVM_RUN return.
 *
 * What matters for the exit-reason contract:
 * - early returns before `run->exit_reason = KVM_EXIT_UNKNOWN` (the MMIO completion,
 *   which returns 1 in today's kernels, and `!vcpu->wants_to_run` → -EINTR) leave the
 *   previous run's exit visible;
 * - `gmem_abort()` fills KVM_EXIT_MEMORY_FAULT and returns whatever `kvm_gmem_get_pfn()`
 *   returned; only mmu_invalidate_retry()'s -EAGAIN becomes 0 (re-enter the guest).
 * - What `gmem_abort()` returns is the fault's result: `kvm_handle_guest_abort()` turns 0
 *   into 1 and the run loop (`while (ret > 0)`, arm.c) re-enters the guest, which
 *   re-executes the access. A path that resumes the guest after `kvm_gmem_get_pfn()`
 *   failed therefore faults again on the same page; the models keep the host's state
 *   for the length of a KVM_RUN (the closed file, the poisoned page stay so), so the
 *   fault fails the same way, forever: the vCPU livelocks until a signal ends the run
 *   with -EINTR (KVM_EXIT_INTR), the memory-fault exit it prepared left in `kvm_run`.
 */
import type { KvmArchOps } from "../generic/arch.js";
import type { KvmMemorySlot, KvmVcpu } from "../generic/kvm.js";
import { PAGE_SIZE } from "../generic/kvm.js";
import { GMEM_GPA, MMIO_GPA, guestScript } from "../generic/guest.js";
import { kvm_gmem_get_pfn } from "../generic/guest_memfd.js";
import { kvm_xfer_to_guest_mode_handle_work } from "../generic/task.js";
import type { K } from "../rt/ops.js";
import { READ, WAIT_UNTIL, WRITE, choose, mutex_lock, mutex_unlock } from "../rt/ops.js";
import type { Mutex } from "../rt/state.js";
import { EAGAIN, EINTR, EINVAL } from "../uapi/errno.js";
import { KVM_EXIT_MMIO, KVM_EXIT_UNKNOWN } from "../uapi/exits.js";

export interface Arm64KvmArch {
  /** `kvm->mmu_lock`, taken by `kvm_fault_lock()` */
  readonly mmu_lock: Mutex;
}

export type Arm64Vcpu = KvmVcpu<Record<string, never>>;

/**
 * The `if (ret) { ... }` branch of `gmem_abort()` when `kvm_gmem_get_pfn()` fails with
 * `err`: what it does to `kvm_run`, and what `gmem_abort()` returns (the merged code
 * returns `err`; 0 resumes the guest).
 */
export type GmemErrorExit = (
  vcpu: Arm64Vcpu,
  gpa: number,
  size: number,
  is_write: boolean,
  is_exec: boolean,
  is_private: boolean,
  err: number,
) => K<number>;

/** What a fault did: the handler's return, whether the access can now complete, whether it would fault the same way again. */
interface FaultResult {
  readonly ret: number;
  readonly resolved: boolean;
  /** The guest was resumed on a page kvm_gmem_get_pfn() failed to give: it re-faults the same way. */
  readonly refaults?: boolean;
}

/** `kvm_handle_mmio_return()` (mmio.c): completes a pending MMIO load; returns 1 ("continue") in every current tree. */
function kvm_handle_mmio_return(): number {
  return 1;
}

export function arm64ArchOps(gmemErrorExit: GmemErrorExit): KvmArchOps<Arm64KvmArch, Record<string, never>> {
  /** `io_mem_abort()` for an access no memslot backs and no in-kernel device claims. */
  function* io_mem_abort(vcpu: Arm64Vcpu): K<number> {
    yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_MMIO);
    return 0;
  }

  /**
   * `gmem_abort()`: `resolved` says whether the guest's access can now complete.
   * `mayRetry`: an MMU-notifier invalidation can race with this fault (the models let
   * one race with each KVM_RUN's fault, so that a run is finite).
   */
  function* gmem_abort(vcpu: Arm64Vcpu, fault_ipa: number, mayRetry: boolean): K<FaultResult> {
    const write_fault = false;
    const exec_fault = false;
    let ret = yield* kvm_gmem_get_pfn();
    if (ret) {
      const r = yield* gmemErrorExit(vcpu, fault_ipa, PAGE_SIZE, write_fault, exec_fault, false, ret);
      return { ret: r, resolved: false, refaults: r >= 0 };
    }
    const kvm = vcpu.kvm as unknown as { arch: Arm64KvmArch };
    yield* mutex_lock(kvm.arch.mmu_lock); // kvm_fault_lock(kvm)
    // mmu_invalidate_retry(): an MMU-notifier invalidation raced with the fault.
    const retry = mayRetry && (yield* choose("mmu_invalidate_retry", [false, true]));
    ret = retry ? -EAGAIN : 0; // else kvm_pgtable_stage2_map() succeeds
    yield* mutex_unlock(kvm.arch.mmu_lock);
    return { ret: ret !== -EAGAIN ? ret : 0, resolved: !retry };
  }

  /** `kvm_handle_guest_abort()` for a data abort at `ipa`: 1 resume, 0 exit to userspace, <0 error. */
  function* kvm_handle_guest_abort(vcpu: Arm64Vcpu, ipa: number, mayRetry: boolean): K<FaultResult> {
    const gfn = Math.floor(ipa / PAGE_SIZE);
    const slots: readonly KvmMemorySlot[] = yield* READ(vcpu.kvm.memslots); // gfn_to_memslot() under SRCU
    const memslot = slots.find((s) => gfn >= s.base_gfn && gfn < s.base_gfn + s.npages);
    if (!memslot) return { ret: yield* io_mem_abort(vcpu), resolved: true };
    if (memslot.guest_memfd === undefined) return { ret: 1, resolved: true }; // user_mem_abort() maps it
    const r = yield* gmem_abort(vcpu, ipa, mayRetry);
    return r.ret === 0 ? { ...r, ret: 1 } : r;
  }

  function* kvm_arch_vcpu_ioctl_run(vcpu: Arm64Vcpu): K<number> {
    const run = vcpu.run;
    if ((yield* READ(run.exit_reason)) === KVM_EXIT_MMIO) {
      const ret = kvm_handle_mmio_return();
      if (ret <= 0) return ret;
    }
    // vcpu_load(vcpu);
    if (!vcpu.wants_to_run) return -EINTR; // goto out: vcpu_put(), exit_reason untouched
    // kvm_sigset_activate(vcpu);
    let ret = 1;
    yield* WRITE(run.exit_reason, KVM_EXIT_UNKNOWN); // run->flags = 0 too
    const script = guestScript(vcpu.guest);
    let step = 0; // how far the guest got: its access, then its MMIO store
    let faults = 0;
    while (ret > 0) {
      // Check conditions before entering the guest
      ret = vcpu.task ? yield* kvm_xfer_to_guest_mode_handle_work(vcpu, vcpu.task) : 0;
      if (!ret) ret = 1;
      // check_vcpu_requests(): nothing pending in the models (1)
      if (ret <= 0) continue;
      // Enter the guest; handle_exit() for what it did.
      if (script === "none") {
        // The guest spins; a signal kicks the vCPU out (an IRQ exit, then the check above).
        if (vcpu.task) yield* WAIT_UNTIL(vcpu.task.sigpending, (p) => p, `vCPU ${vcpu.vcpu_id}'s guest spins until a signal`);
        ret = 1;
        continue;
      }
      const ipa = script === "gmem" && step === 0 ? GMEM_GPA : MMIO_GPA;
      const r = yield* kvm_handle_guest_abort(vcpu, ipa, faults++ === 0);
      if (r.resolved && script === "gmem") step++;
      ret = r.ret;
      // Resumed on a page it could not get: the guest re-faults the same way until a signal.
      if (ret > 0 && r.refaults && vcpu.task)
        yield* WAIT_UNTIL(vcpu.task.sigpending, (p) => p, `vCPU ${vcpu.vcpu_id} re-faults on gpa 0x${ipa.toString(16)}: gmem_abort() resumed it after kvm_gmem_get_pfn() failed`);
    }
    return ret;
  }

  return {
    kvm_arch_init_vm: (shared) => ({ mmu_lock: shared.mutex("kvm->mmu_lock") }),
    kvm_vcpu_arch_alloc: () => ({}),
    *kvm_arch_vcpu_precreate() {
      return 0;
    },
    *kvm_arch_vcpu_create() {
      return 0;
    },
    *kvm_arch_vcpu_postcreate() {},
    *kvm_arch_prepare_memory_region() {
      return 0;
    },
    *kvm_arch_commit_memory_region() {},
    *kvm_vm_ioctl_enable_cap() {
      return -EINVAL;
    },
    *kvm_vm_ioctl_check_extension() {
      return 0;
    },
    kvm_arch_vcpu_ioctl_run,
  };
}
