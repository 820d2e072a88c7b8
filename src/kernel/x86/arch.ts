/**
 * x86 KVM_RUN (arch/x86/kvm/x86.c `kvm_arch_vcpu_ioctl_run()`, `vcpu_run()`) and the
 * guest_memfd fault path (arch/x86/kvm/mmu/mmu.c `kvm_mmu_page_fault()` →
 * `kvm_mmu_faultin_pfn()` → `kvm_mmu_faultin_pfn_gmem()`), newest tree found (~7.x;
 * kernel-facts D.3, D.5, H).
 *
 * - Every return before `vcpu_run()` (bad `kvm_valid_regs` → -EINVAL, a failing
 *   `complete_userspace_io`, `!wants_to_run` → -EINTR) leaves exit_reason as it was;
 *   x86 keeps it on purpose ("exit_reason is preserved across KVM_RUN when
 *   run->immediate_exit is true").
 * - `kvm_mmu_faultin_pfn_gmem()` fills KVM_EXIT_MEMORY_FAULT and returns whatever
 *   `kvm_gmem_get_pfn()` returned, -EAGAIN included; RET_PF_* values are positive and
 *   re-enter the guest, any -errno ends KVM_RUN.
 */
import type { KvmArchOps } from "../generic/arch.js";
import type { KvmMemorySlot, KvmVcpu } from "../generic/kvm.js";
import { PAGE_SIZE } from "../generic/kvm.js";
import { GMEM_GPA, MMIO_GPA, guestScript } from "../generic/guest.js";
import { kvm_gmem_get_pfn } from "../generic/guest_memfd.js";
import { kvm_prepare_memory_fault_exit } from "../generic/memory_fault.js";
import { kvm_xfer_to_guest_mode_handle_work, signal_pending } from "../generic/task.js";
import type { K } from "../rt/ops.js";
import { READ, WAIT_UNTIL, WRITE, choose, mutex_lock, mutex_unlock } from "../rt/ops.js";
import type { Cell, Mutex } from "../rt/state.js";
import { EINTR, EINVAL } from "../uapi/errno.js";
import { KVM_EXIT_MMIO, KVM_EXIT_UNKNOWN } from "../uapi/exits.js";

/** KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS */
export const KVM_SYNC_X86_VALID_FIELDS = 0x7;

/** `enum { RET_PF_CONTINUE = 0, RET_PF_RETRY, RET_PF_EMULATE, ..., RET_PF_FIXED }` (mmu_internal.h) */
const RET_PF_RETRY = 1;
const RET_PF_FIXED = 5;

export interface X86KvmArch {
  readonly mmu_lock: Mutex;
}

export interface X86VcpuArch {
  /** `vcpu->arch.complete_userspace_io`: set by an MMIO exit, run by the next KVM_RUN. */
  readonly complete_userspace_io: Cell<boolean>;
}

type X86Vcpu = KvmVcpu<X86VcpuArch>;

export function x86ArchOps(): KvmArchOps<X86KvmArch, X86VcpuArch> {
  /** The emulator's MMIO exit (`vcpu->mmio_needed`, `complete_emulated_mmio` queued): r = 0. */
  function* mmio_exit(vcpu: X86Vcpu): K<number> {
    yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_MMIO);
    yield* WRITE(vcpu.arch.complete_userspace_io, true);
    return 0;
  }

  /** `kvm_mmu_faultin_pfn_gmem()`: RET_PF_CONTINUE or a -errno after preparing the memory-fault exit. */
  function* kvm_mmu_faultin_pfn_gmem(vcpu: X86Vcpu, gpa: number): K<number> {
    const r = yield* kvm_gmem_get_pfn();
    if (r) {
      // kvm_mmu_prepare_memory_fault_exit(vcpu, fault)
      yield* kvm_prepare_memory_fault_exit(vcpu, gpa, PAGE_SIZE, false, false, true);
      return r;
    }
    return 0;
  }

  /**
   * `kvm_mmu_page_fault()` → `kvm_tdp_page_fault()` for an EPT/NPT violation at `gpa`.
   * `mayRetry`: an invalidation may race with this fault (once per KVM_RUN in the models).
   */
  function* kvm_mmu_page_fault(vcpu: X86Vcpu, gpa: number, mayRetry: boolean): K<number> {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const slots: readonly KvmMemorySlot[] = yield* READ(vcpu.kvm.memslots);
    const slot = slots.find((s) => gfn >= s.base_gfn && gfn < s.base_gfn + s.npages);
    // No memslot: emulated MMIO (handle_mmio_page_fault / the emulator).
    if (!slot) return yield* mmio_exit(vcpu);
    if (slot.guest_memfd === undefined) return RET_PF_FIXED;
    // mmu_invalidate_retry_gfn_unsafe(): an invalidation in flight, RET_PF_RETRY.
    if (mayRetry && (yield* choose("mmu_invalidate_retry", [false, true]))) return RET_PF_RETRY;
    const r = yield* kvm_mmu_faultin_pfn_gmem(vcpu, gpa);
    if (r < 0) return r;
    const kvm = vcpu.kvm as unknown as { arch: X86KvmArch };
    yield* mutex_lock(kvm.arch.mmu_lock); // read_lock(&kvm->mmu_lock); kvm_tdp_mmu_map()
    yield* mutex_unlock(kvm.arch.mmu_lock);
    return RET_PF_FIXED;
  }

  function* kvm_arch_vcpu_ioctl_run(vcpu: X86Vcpu): K<number> {
    const run = vcpu.run;
    // kvm_mmu_post_init_vm(); vcpu_load(); kvm_sigset_activate(); the BSP is not UNINITIALIZED.
    if ((yield* READ(run.kvm_valid_regs)) & ~KVM_SYNC_X86_VALID_FIELDS) return -EINVAL; // goto out
    if (yield* READ(vcpu.arch.complete_userspace_io)) {
      yield* WRITE(vcpu.arch.complete_userspace_io, false);
      const r = 1; // complete_emulated_mmio(): the MMIO read is done
      if (r <= 0) return r;
    }
    if (!vcpu.wants_to_run) return -EINTR; // goto out: exit_reason preserved
    // kvm_x86_vcpu_pre_run() -> 1
    return yield* vcpu_run(vcpu);
  }

  /** `vcpu_run()`: the only place exit_reason is reset. */
  function* vcpu_run(vcpu: X86Vcpu): K<number> {
    yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_UNKNOWN);
    const script = guestScript(vcpu.guest);
    let step = 0;
    let faults = 0;
    for (;;) {
      let r: number;
      // vcpu_enter_guest(): a pending signal cancels the entry (kvm_vcpu_exit_request), r = 1.
      if (vcpu.task && (yield* signal_pending(vcpu.task))) r = 1;
      else if (script === "none") {
        if (vcpu.task) yield* WAIT_UNTIL(vcpu.task.sigpending, (p) => p, `vCPU ${vcpu.vcpu_id}'s guest spins until a signal`);
        r = 1; // the kick's IPI exits the guest
      } else {
        const gpa = script === "gmem" && step === 0 ? GMEM_GPA : MMIO_GPA;
        r = yield* kvm_mmu_page_fault(vcpu, gpa, faults++ === 0);
        if (r === RET_PF_FIXED && script === "gmem") step++;
      }
      if (r <= 0) return r;
      if (vcpu.task) {
        r = yield* kvm_xfer_to_guest_mode_handle_work(vcpu, vcpu.task);
        if (r) return r;
      }
    }
  }

  return {
    kvm_arch_init_vm: (shared) => ({ mmu_lock: shared.mutex("kvm->mmu_lock") }),
    kvm_vcpu_arch_alloc: (shared, name) => ({ complete_userspace_io: shared.cell(`${name}->arch.complete_userspace_io`, false) }),
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

