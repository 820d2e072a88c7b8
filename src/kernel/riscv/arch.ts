/**
 * The RISC-V arch hooks the generic paths call, shared by every version of the HGATP
 * series: `kvm_arch_vcpu_ioctl_run()` with vcpu_load, the VMID update and
 * KVM_REQ_UPDATE_HGATP (arch/riscv/kvm/vcpu.c, vmid.c), the g-stage fault
 * (vcpu_exit.c `gstage_page_fault()` → mmu.c `kvm_riscv_mmu_map()`) and the memslot
 * hooks (mmu.c). Every read of the g-stage configuration goes through the version's
 * design (design.ts) and is recorded as an observation.
 *
 * The guest: a KVM_RUN call may say which GPA the guest loads from (`guest`). If a
 * memslot covers it, the load takes a g-stage fault that maps the page and the guest
 * goes on; an access outside every memslot, and the guest's last act, an MMIO store to
 * a device outside RAM, exit to userspace with KVM_EXIT_MMIO.
 */
import type { KvmArchOps } from "../generic/arch.js";
import type { KvmMemorySlot } from "../generic/kvm.js";
import { PAGE_SIZE } from "../generic/kvm.js";
import type { K } from "../rt/ops.js";
import { READ, RMW, WRITE, mutex_lock, mutex_unlock, observe } from "../rt/ops.js";
import { EFAULT, EINTR } from "../uapi/errno.js";
import { KVM_EXIT_MMIO, KVM_EXIT_UNKNOWN } from "../uapi/exits.js";
import type { RiscvHgatpVariantCode, RiscvKvm, RiscvKvmArch, RiscvVcpu, RiscvVcpuArch } from "./design.js";
import { kvm_riscv_gstage_gpa_size } from "./gstage.js";

/** `KVM_REQ_UPDATE_HGATP` (arch-specific request bit). */
export const KVM_REQ_UPDATE_HGATP = 1 << 2;

/** The global `vmid_version` (vmid.c); the models never run out of VMIDs, so it stays 1. */
const vmid_version = 1;

/** `kvm_riscv_gstage_vmid_ver_changed()` */
function* vmid_ver_changed<G>(kvm: RiscvKvm<G>): K<boolean> {
  return (yield* READ(kvm.arch.vmid_version)) !== vmid_version;
}

/** `kvm_riscv_gstage_vmid_update()`: the first run of any vCPU assigns the VM its VMID and asks every vCPU to reload hgatp. */
function* kvm_riscv_gstage_vmid_update<G>(kvm: RiscvKvm<G>): K<void> {
  if (!(yield* vmid_ver_changed(kvm))) return;
  yield* mutex_lock(kvm.arch.vmid_lock);
  // Re-check: another vCPU may already have allocated a valid VMID for this VM.
  if (!(yield* vmid_ver_changed(kvm))) {
    yield* mutex_unlock(kvm.arch.vmid_lock);
    return;
  }
  yield* WRITE(kvm.arch.vmid, 1);
  yield* WRITE(kvm.arch.vmid_version, vmid_version);
  yield* mutex_unlock(kvm.arch.vmid_lock);
  // Request G-stage page table update for all VCPUs
  const vcpus = yield* READ(kvm.vcpu_array);
  for (const v of vcpus) yield* RMW(v.requests, (r) => r | KVM_REQ_UPDATE_HGATP);
}

/** `kvm_check_request()`: test and clear. */
function* kvm_check_request(vcpu: RiscvVcpu, req: number): K<boolean> {
  let had = false;
  yield* RMW(vcpu.requests, (r) => {
    had = (r & req) !== 0;
    return r & ~req;
  });
  return had;
}

export function riscvArchOps<G>(code: RiscvHgatpVariantCode<G>): KvmArchOps<RiscvKvmArch<G>, RiscvVcpuArch> {
  const design = code.design;

  /** `gstage_page_fault()` for a load at `gpa`: returns 1 to re-enter the guest, 0 to exit to userspace. */
  function* gstage_page_fault(kvm: RiscvKvm<G>, vcpu: RiscvVcpu, gpa: number): K<number> {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    // gfn_to_memslot(): an SRCU-protected read of the active memslots.
    const slots = yield* READ(kvm.memslots);
    const memslot = slots.find((s) => gfn >= s.base_gfn && gfn < s.base_gfn + s.npages);
    if (!memslot) return yield* kvm_riscv_vcpu_mmio_exit(vcpu);
    const r = yield* kvm_riscv_mmu_map(kvm, vcpu, memslot, gpa);
    return r < 0 ? r : 1;
  }

  /** `kvm_riscv_mmu_map()`: the reads of pgd_levels and the walk under mmu_lock. */
  function* kvm_riscv_mmu_map(kvm: RiscvKvm<G>, vcpu: RiscvVcpu, memslot: KvmMemorySlot, gpa: number): K<number> {
    const { topup, walk } = yield* design.mmu_map_levels(kvm, vcpu);
    yield* observe("mmu-cache-topup", { vcpu: vcpu.vcpu_id, pgd_levels: topup });
    yield* mutex_lock(kvm.arch.mmu_lock);
    const levels = yield* walk();
    yield* observe("gstage-walk", { vcpu: vcpu.vcpu_id, pgd_levels: levels, gpa, slot: memslot.id });
    yield* mutex_unlock(kvm.arch.mmu_lock);
    return 0;
  }

  /** `kvm_riscv_vcpu_mmio_load/store()`: no in-kernel device, so exit to userspace. */
  function* kvm_riscv_vcpu_mmio_exit(vcpu: RiscvVcpu): K<number> {
    yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_MMIO);
    return 0;
  }

  function* kvm_arch_vcpu_ioctl_run(vcpu: RiscvVcpu): K<number> {
    const kvm = vcpu.kvm as unknown as RiscvKvm<G>;
    vcpu.arch.ran_atleast_once = true;
    // A pending MMIO/SBI/CSR completion (kvm_riscv_vcpu_mmio_return() etc.) succeeds in the models.
    yield* READ(vcpu.run.exit_reason);
    if (!vcpu.wants_to_run) return -EINTR;

    // vcpu_load() -> kvm_arch_vcpu_load() -> kvm_riscv_mmu_update_hgatp()
    yield* design.kvm_riscv_mmu_update_hgatp(vcpu, kvm);

    let ret = 1;
    yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_UNKNOWN);
    let access = typeof vcpu.guest === "number" ? vcpu.guest : null;
    while (ret > 0) {
      yield* kvm_riscv_gstage_vmid_update(kvm);
      // kvm_riscv_check_vcpu_requests()
      if (yield* kvm_check_request(vcpu, KVM_REQ_UPDATE_HGATP)) yield* design.kvm_riscv_mmu_update_hgatp(vcpu, kvm);
      // Last check before entering: a changed VMID or a pending request goes round again.
      if ((yield* vmid_ver_changed(kvm)) || (yield* READ(vcpu.requests))) continue;
      // kvm_riscv_vcpu_enter_exit(), then kvm_riscv_vcpu_exit() for the trap the guest took.
      if (access !== null) {
        const gpa = access;
        access = null;
        ret = yield* gstage_page_fault(kvm, vcpu, gpa);
      } else {
        ret = yield* kvm_riscv_vcpu_mmio_exit(vcpu);
      }
    }
    return ret;
  }

  return {
    kvm_arch_init_vm: (shared) => ({
      vmid_version: shared.cell("kvm->arch.vmid.vmid_version", 0),
      vmid: shared.cell("kvm->arch.vmid.vmid", 0),
      mmu_lock: shared.mutex("kvm->mmu_lock"),
      vmid_lock: shared.mutex("vmid_lock"),
      gstage: design.alloc(shared),
      preparedLevels: new WeakMap(),
    }),
    kvm_vcpu_arch_alloc: () => ({ ran_atleast_once: false }),
    *kvm_arch_vcpu_precreate() {
      return 0;
    },
    // kvm_riscv_reset_vcpu(vcpu, false) on a vCPU that was never loaded: no shared state.
    *kvm_arch_vcpu_create() {
      return 0;
    },
    *kvm_arch_vcpu_postcreate() {},
    *kvm_arch_prepare_memory_region(kvm, _old, new_, change) {
      if (change !== "KVM_MR_CREATE" && change !== "KVM_MR_MOVE" && change !== "KVM_MR_FLAGS_ONLY") return 0;
      // Prevent userspace from creating a memory region outside of the GPA space
      // addressable by the KVM guest GPA space. (The kernel compares with >=.)
      const levels = yield* design.prepare_pgd_levels(kvm);
      if (new_!.base_gfn + new_!.npages >= kvm_riscv_gstage_gpa_size(levels) / PAGE_SIZE) return -EFAULT;
      kvm.arch.preparedLevels.set(new_!, levels);
      return 0;
    },
    *kvm_arch_commit_memory_region(kvm, _old, new_) {
      // The slot is published now: it exists under the geometry its prepare checked.
      const levels = new_ ? kvm.arch.preparedLevels.get(new_) : undefined;
      if (new_ && levels !== undefined) {
        yield* observe("memslot-gpa-check", {
          slot: new_.id,
          pgd_levels: levels,
          end_gfn: new_.base_gfn + new_.npages,
        });
      }
    },
    kvm_vm_ioctl_enable_cap: (kvm, cap) => code.kvm_vm_ioctl_enable_cap(kvm, cap),
    kvm_vm_ioctl_check_extension: (kvm, ext) => code.kvm_vm_ioctl_check_extension(kvm, ext),
    kvm_arch_vcpu_ioctl_run,
  };
}
