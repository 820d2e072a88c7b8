/** The x86-caps hook table (see ../hooks.ts): x86.c's before-vCPU paths and the kvm_main.c ones. */
import { kvm_create_vm, kvm_vcpu_alloc } from "../../kernel/generic/kvm.js";
import { SharedState } from "../../kernel/rt/state.js";
import {
  irqchip_in_kernel,
  irqchip_split,
  kvm_arch_prepare_memory_region,
  kvm_arch_vcpu_create,
  kvm_arch_vcpu_precreate,
  kvm_vm_ioctl_check_extension,
  kvm_vm_ioctl_create_irqchip,
  kvm_vm_ioctl_enable_cap,
  kvm_vm_ioctl_set_boot_cpu_id,
  x86CapsArchOps,
} from "../../kernel/x86/caps.js";
import type { HookSpec, TargetHookTable } from "../hooks.js";
import { KVM_MAIN_FUNCTIONS, kvmMainHooks } from "../hooks.js";
import { X86_CAPS_CALLS } from "./alphabet.js";

const X86 = "arch/x86/kvm/x86.c";
const c = X86_CAPS_CALLS;

const x86Hooks: HookSpec[] = [
  {
    kernel: "kvm_vm_ioctl_enable_cap",
    key: "kvm_vm_ioctl_enable_cap",
    prototype: "int kvm_vm_ioctl_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap)",
    file: X86,
    summary: "x86's KVM_ENABLE_CAP cases (SPLIT_IRQCHIP, X2APIC_API, X86_DISABLE_EXITS, MAX_VCPU_ID), no lock held on entry",
    default: kvm_vm_ioctl_enable_cap,
    reachedBy: [c.disableExits, c.splitIrqchip, c.maxVcpuId, c.x2apicApi],
  },
  {
    kernel: "kvm_vm_ioctl_check_extension",
    key: "kvm_vm_ioctl_check_extension",
    prototype: "int kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext)",
    file: X86,
    summary: "x86's KVM_CHECK_EXTENSION answers; kvm is NULL on /dev/kvm",
    default: kvm_vm_ioctl_check_extension,
    reachedBy: [c.checkX2apicVm, c.checkX2apicSystem],
  },
  {
    kernel: "kvm_vm_ioctl_create_irqchip",
    key: "kvm_vm_ioctl_create_irqchip",
    prototype: "int kvm_vm_ioctl_create_irqchip(struct kvm *kvm)",
    file: X86,
    summary: "the KVM_CREATE_IRQCHIP case of kvm_arch_vm_ioctl()",
    default: kvm_vm_ioctl_create_irqchip,
    reachedBy: [c.createIrqchip],
  },
  {
    kernel: "kvm_vm_ioctl_set_boot_cpu_id",
    key: "kvm_vm_ioctl_set_boot_cpu_id",
    prototype: "int kvm_vm_ioctl_set_boot_cpu_id(struct kvm *kvm, unsigned long id)",
    file: X86,
    summary: "the KVM_SET_BOOT_CPU_ID case of kvm_arch_vm_ioctl()",
    default: kvm_vm_ioctl_set_boot_cpu_id,
    reachedBy: [c.bootCpu],
  },
  {
    kernel: "kvm_arch_vcpu_precreate",
    key: "kvm_arch_vcpu_precreate",
    prototype: "int kvm_arch_vcpu_precreate(struct kvm *kvm, unsigned int id)",
    file: X86,
    summary: "under kvm->lock before created_vcpus++: freezes max_vcpu_ids, checks the id against it",
    default: kvm_arch_vcpu_precreate,
    reachedBy: [c.createVcpu],
  },
  {
    kernel: "kvm_arch_vcpu_create",
    key: "kvm_arch_vcpu_create",
    prototype: "int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu)",
    file: X86,
    summary: "no lock held, after created_vcpus++: the local APIC iff irqchip_in_kernel()",
    default: kvm_arch_vcpu_create,
    reachedBy: [c.createVcpu],
  },
  {
    kernel: "kvm_arch_prepare_memory_region",
    key: "kvm_arch_prepare_memory_region",
    prototype:
      "int kvm_arch_prepare_memory_region(struct kvm *kvm, const struct kvm_memory_slot *old, struct kvm_memory_slot *new, enum kvm_mr_change change)",
    file: X86,
    summary: "under slots_lock and slots_arch_lock: the max-gfn check",
    default: kvm_arch_prepare_memory_region,
    reachedBy: [c.memslot],
  },
];

export const x86CapsHooks: TargetHookTable = {
  target: "x86-caps",
  hooks: [...x86Hooks, ...kvmMainHooks({ createVcpu: c.createVcpu, memslot: c.memslot, dirtyRing: c.dirtyRing })],
  functions: [
    ...KVM_MAIN_FUNCTIONS,
    { name: "irqchip_in_kernel", prototype: "bool irqchip_in_kernel(struct kvm *kvm)", file: "arch/x86/kvm/irq.h", fn: irqchip_in_kernel },
    { name: "irqchip_split", prototype: "bool irqchip_split(struct kvm *kvm)", file: "arch/x86/kvm/irq.h", fn: irqchip_split },
  ],
  sample() {
    const kvm = kvm_create_vm(x86CapsArchOps({}), new SharedState());
    return { kvm: kvm as never, vcpu: kvm_vcpu_alloc(kvm, 0) as never };
  },
};
