/** The riscv-hgatp hook table (see ../hooks.ts): the series' arch/riscv/kvm code and the kvm_main.c paths. */
import { kvm_create_vm, kvm_vcpu_alloc } from "../../kernel/generic/kvm.js";
import { riscvArchOps } from "../../kernel/riscv/arch.js";
import { kvm_riscv_gstage_gpa_bits, kvm_riscv_gstage_gpa_size } from "../../kernel/riscv/gstage.js";
import { modeAndLevelsDesign } from "../../kernel/riscv/mode-and-levels.js";
import { pgdLevelsDesign } from "../../kernel/riscv/pgd-levels.js";
import { v8 } from "../../kernel/riscv/variants/v8.js";
import { SharedState } from "../../kernel/rt/state.js";
import type { AnyHook, TargetHookTable } from "../hooks.js";
import { KVM_MAIN_FUNCTIONS, kvmMainHooks } from "../hooks.js";
import { RISCV_HGATP_CALLS } from "./alphabet.js";

const c = RISCV_HGATP_CALLS;
const MMU = "arch/riscv/kvm/mmu.c";
const DESIGNS = [pgdLevelsDesign, modeAndLevelsDesign] as const;
const shipped = (k: "kvm_riscv_mmu_update_hgatp" | "prepare_pgd_levels" | "mmu_map_levels"): AnyHook[] =>
  DESIGNS.map((d) => (d as unknown as Record<string, AnyHook>)[k]!);

export const riscvHgatpHooks: TargetHookTable = {
  target: "riscv-hgatp",
  hooks: [
    {
      kernel: "kvm_vm_ioctl_enable_cap",
      key: "code.kvm_vm_ioctl_enable_cap",
      prototype: "int kvm_vm_ioctl_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap)",
      file: "arch/riscv/kvm/vm.c",
      summary: "riscv's KVM_ENABLE_CAP, the version's cap; the generic dispatcher holds no lock",
      reachedBy: [],
    },
    {
      kernel: "kvm_vm_ioctl_check_extension",
      key: "code.kvm_vm_ioctl_check_extension",
      prototype: "int kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext)",
      file: "arch/riscv/kvm/vm.c",
      summary: "riscv's KVM_CHECK_EXTENSION; kvm is NULL on /dev/kvm",
      reachedBy: [c.checkVm, c.checkSystem],
    },
    {
      kernel: "kvm_riscv_mmu_update_hgatp",
      key: "code.design.kvm_riscv_mmu_update_hgatp",
      prototype: "void kvm_riscv_mmu_update_hgatp(struct kvm_vcpu *vcpu, struct kvm *kvm)",
      file: MMU,
      summary: "computes hgatp from the VM's configuration at vcpu_load and on KVM_REQ_UPDATE_HGATP (the design's)",
      shipped: shipped("kvm_riscv_mmu_update_hgatp"),
      reachedBy: [c.runFault],
    },
    {
      kernel: "kvm_arch_prepare_memory_region",
      key: "code.design.prepare_pgd_levels",
      prototype: "int prepare_pgd_levels(struct kvm *kvm) /* the pgd_levels kvm_arch_prepare_memory_region() sizes the GPA space with */",
      file: MMU,
      summary: "the configuration read of kvm_arch_prepare_memory_region() (the design's)",
      shipped: shipped("prepare_pgd_levels"),
      reachedBy: [c.memslot],
    },
    {
      kernel: "kvm_riscv_mmu_map",
      key: "code.design.mmu_map_levels",
      prototype: "{ topup, walk } mmu_map_levels(struct kvm *kvm, struct kvm_vcpu *vcpu) /* kvm_riscv_mmu_map()'s reads of the configuration */",
      file: MMU,
      summary: "the cache top-up and the walk of a g-stage fault (the design's)",
      shipped: shipped("mmu_map_levels"),
      reachedBy: [c.memslot, c.runFault],
    },
    ...kvmMainHooks({ createVcpu: c.createVcpu, memslot: c.memslot }),
  ],
  functions: [
    ...KVM_MAIN_FUNCTIONS,
    { name: "kvm_riscv_gstage_gpa_bits", prototype: "unsigned long kvm_riscv_gstage_gpa_bits(unsigned long pgd_levels)", file: "arch/riscv/include/asm/kvm_gstage.h", fn: kvm_riscv_gstage_gpa_bits },
    { name: "kvm_riscv_gstage_gpa_size", prototype: "gpa_t kvm_riscv_gstage_gpa_size(unsigned long pgd_levels)", file: "arch/riscv/include/asm/kvm_gstage.h", fn: kvm_riscv_gstage_gpa_size },
  ],
  sample() {
    const kvm = kvm_create_vm(riscvArchOps(v8.code), new SharedState());
    return { kvm: kvm as never, vcpu: kvm_vcpu_alloc(kvm, 0) as never };
  },
};
