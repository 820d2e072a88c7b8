/**
 * x86-caps as C sees it: `struct kvm` with `dirty_ring_size` and the x86 `kvm->arch`
 * fields the capability rules share, the irqchip and dirty-ring constants, and the
 * functions a fix of those rules changes: KVM_CREATE_IRQCHIP's and KVM_SET_BOOT_CPU_ID's
 * cases of `kvm_arch_vm_ioctl()` (arch/x86/kvm/x86.c, as their own functions) and
 * `kvm_vm_ioctl_enable_dirty_log_ring()` (virt/kvm/kvm_main.c).
 */
import { KVM_DIRTY_RING_MAX_ENTRIES } from "../../kernel/generic/enable_cap.js";
import { READ } from "../../kernel/rt/ops.js";
import type { Cell } from "../../kernel/rt/state.js";
import { KVM_IRQCHIP_KERNEL, KVM_IRQCHIP_NONE, KVM_IRQCHIP_SPLIT } from "../../kernel/x86/caps.js";
import { BOOL, INT, U32 } from "./types.js";
import type { IntType } from "./types.js";
import type { Builtin, FieldDesc, StructDesc, World } from "./world.js";
import { COMMON_BUILTINS, COMMON_CONSTANTS, HOST_CONFIG, deref, kvmStruct, vcpuStruct } from "./world.js";

const acell = (type: IntType, name: string): FieldDesc => ({ kind: "cell", type, cell: (o) => o[name] });

const KVM_ARCH: StructDesc = {
  name: "kvm_arch",
  fields: {
    irqchip_mode: acell(INT, "irqchip_mode"),
    nr_reserved_ioapic_pins: acell(U32, "nr_reserved_ioapic_pins"),
    disabled_exits: acell(U32, "disabled_exits"),
    max_vcpu_ids: acell(U32, "max_vcpu_ids"),
    bsp_vcpu_id: acell(U32, "bsp_vcpu_id"),
    x2apic_format: acell(BOOL, "x2apic_format"),
    x2apic_broadcast_quirk_disabled: acell(BOOL, "x2apic_broadcast_quirk_disabled"),
    suppress_eoi_broadcast_mode: acell(INT, "suppress_eoi_broadcast_mode"),
  },
};
const GENERIC = kvmStruct(() => KVM_ARCH);
const KVM: StructDesc = {
  ...GENERIC,
  fields: { ...GENERIC.fields, dirty_ring_size: { kind: "cell", type: U32, cell: (o) => o.dirty_ring_size } },
};
const VCPU = vcpuStruct(() => KVM);

/** `kvm->arch.irqchip_mode`, read locklessly as `irqchip_in_kernel()` does. */
function* irqchipMode(k: unknown, what: string) {
  const kvm = (yield* deref(k as never, what)) as { arch: { irqchip_mode: Cell<number> } };
  return yield* READ(kvm.arch.irqchip_mode);
}

const int = (v: number) => ({ value: BigInt(v), type: INT });
const noFail: Builtin = { params: [{ k: "ptr", to: KVM }], ret: INT, *impl() { return 0n; } };
const nothing: Builtin = { params: [{ k: "ptr", to: KVM }], ret: { k: "void" }, *impl() { return undefined; } };

export const x86CapsWorld: World = {
  target: "x86-caps",
  structs: { kvm: KVM, kvm_arch: KVM_ARCH, kvm_vcpu: VCPU },
  constants: {
    ...COMMON_CONSTANTS,
    KVM_IRQCHIP_NONE: int(KVM_IRQCHIP_NONE),
    KVM_IRQCHIP_KERNEL: int(KVM_IRQCHIP_KERNEL),
    KVM_IRQCHIP_SPLIT: int(KVM_IRQCHIP_SPLIT),
    // include/linux/kvm_dirty_ring.h; x86's KVM_DIRTY_LOG_PAGE_OFFSET is 64.
    KVM_DIRTY_RING_MAX_ENTRIES: int(KVM_DIRTY_RING_MAX_ENTRIES),
    KVM_DIRTY_LOG_PAGE_OFFSET: int(64),
    // enum kvm_apicv_inhibit (arch/x86/include/asm/kvm_host.h)
    APICV_INHIBIT_REASON_ABSENT: int(2),
  },
  sizes: { kvm_dirty_gfn: 16 },
  builtins: {
    ...COMMON_BUILTINS(() => KVM, () => VCPU),
    irqchip_in_kernel: {
      params: [{ k: "ptr", to: KVM }],
      ret: BOOL,
      *impl([k]) {
        return (yield* irqchipMode(k, "irqchip_in_kernel(kvm)")) !== KVM_IRQCHIP_NONE ? 1n : 0n;
      },
    },
    irqchip_split: {
      params: [{ k: "ptr", to: KVM }],
      ret: BOOL,
      *impl([k]) {
        return (yield* irqchipMode(k, "irqchip_split(kvm)")) === KVM_IRQCHIP_SPLIT ? 1n : 0n;
      },
    },
    // KVM_DIRTY_RING_RSVD_ENTRIES + kvm_cpu_dirty_log_size(kvm): 64 + 0 without PML (enable_cap.ts).
    kvm_dirty_ring_get_rsvd_entries: { params: [{ k: "ptr", to: KVM }], ret: U32, *impl() { return 64n; } },
    // The irqchip's own state (PIC, IOAPIC, routing, APICv) is not shared by the rules the
    // model checks: its setup cannot fail and touches nothing the properties read.
    kvm_pic_init: noFail,
    kvm_ioapic_init: noFail,
    kvm_setup_default_ioapic_and_pic_routing: noFail,
    kvm_pic_destroy: nothing,
    kvm_ioapic_destroy: nothing,
    kvm_clear_apicv_inhibit: { params: [{ k: "ptr", to: KVM }, INT], ret: { k: "void" }, *impl() { return undefined; } },
  },
  hooks: [
    { cname: "kvm_vm_ioctl_create_irqchip", arity: [1], what: "the KVM_CREATE_IRQCHIP case of kvm_arch_vm_ioctl() (arch/x86/kvm/x86.c)" },
    { cname: "kvm_vm_ioctl_set_boot_cpu_id", arity: [2], what: "the KVM_SET_BOOT_CPU_ID case of kvm_arch_vm_ioctl() (arch/x86/kvm/x86.c)" },
    { cname: "kvm_vm_ioctl_enable_dirty_log_ring", arity: [2], what: "KVM_CAP_DIRTY_LOG_RING(_ACQ_REL) from kvm_vm_ioctl_enable_cap_generic() (virt/kvm/kvm_main.c)" },
  ],
  config: HOST_CONFIG,
};

