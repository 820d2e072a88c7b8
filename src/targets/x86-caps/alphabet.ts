/**
 * The calls x86-caps programs are made of, in the shared x86-caps vocabulary
 * (helpers/x86-calls.md): each before-vCPU rule with a valid argument first, then
 * boundary and invalid arguments; memslots whose userspace_addr is an offset into the
 * program's arena (all offsets below 8 MiB).
 */
import type { Call } from "../../kernel/rt/trace.js";
import { checkExtension, createVcpu, enableCap, setMemoryRegion } from "../../program/calls.js";

const MiB = 2 ** 20;

const cap = (name: string, ...args: number[]): Call => enableCap(`KVM_CAP_${name}`, args);
const vcpu = createVcpu;
const check = (name: string, fd: "vm" | "system" = "vm"): Call => checkExtension(`KVM_CAP_${name}`, fd);
const memslot = setMemoryRegion;

export const CREATE_IRQCHIP: Call = { ioctl: "KVM_CREATE_IRQCHIP", fd: "vm" };
const bootCpu = (id: number): Call => ({ ioctl: "KVM_SET_BOOT_CPU_ID", fd: "vm", id });

/** KVM_X86_DISABLE_EXITS_HLT */
const HLT = 2;

export function x86CapsAlphabet(): Call[] {
  return [
    // The rules, each with a valid argument.
    vcpu(0),
    cap("X86_DISABLE_EXITS", HLT),
    cap("SPLIT_IRQCHIP", 24),
    CREATE_IRQCHIP,
    cap("MAX_VCPU_ID", 4),
    bootCpu(3),
    cap("DIRTY_LOG_RING", 4096),
    memslot(0, 0, 2 * MiB, 0),
    cap("X2APIC_API", 3),
    check("X2APIC_API"),
    vcpu(1),
    // Boundaries.
    vcpu(4), // at a max_vcpu_ids of 4
    vcpu(4095),
    vcpu(4096),
    cap("MAX_VCPU_ID", 0),
    cap("MAX_VCPU_ID", 4096),
    cap("MAX_VCPU_ID", 4097),
    bootCpu(5),
    bootCpu(4096),
    bootCpu(4097),
    cap("DIRTY_LOG_RING", 8192),
    cap("DIRTY_LOG_RING_ACQ_REL", 4096),
    cap("DIRTY_LOG_RING", 2 * MiB), // -E2BIG
    cap("DIRTY_LOG_RING", 12288), // not a power of two
    cap("DIRTY_LOG_RING", 2048), // below a page
    cap("SPLIT_IRQCHIP", 4096),
    cap("SPLIT_IRQCHIP", 4097),
    cap("X86_DISABLE_EXITS", 0),
    cap("X86_DISABLE_EXITS", 1), // MWAIT: not allowed on the host
    cap("X2APIC_API", 4), // needs a split irqchip
    cap("X2APIC_API", 12), // enable and disable together
    cap("X2APIC_API", 16),
    { ...cap("X86_DISABLE_EXITS", HLT), flags: 1 },
    { ...cap("DIRTY_LOG_RING", 4096), flags: 1 }, // the ring caps ignore flags
    // Memslots: overlap, alignment, limits, delete / move / resize / flags.
    memslot(1, MiB, 2 * MiB, 2 * MiB),
    memslot(1, 4 * MiB, 2 * MiB, 2 * MiB),
    memslot(0, 0, 0, 0), // delete
    memslot(0, 8 * MiB, 2 * MiB, 0), // move
    memslot(0, 0, 4 * MiB, 0), // resize: -EINVAL
    memslot(0, 0, 2 * MiB, 0, 1), // flags only (dirty logging)
    memslot(0, 0, 2 * MiB, 0, 2), // READONLY toggled: -EINVAL
    memslot(2, 0x800, 4096, 0),
    memslot(2, 16 * MiB, 0x800, 0),
    memslot(2, 16 * MiB, 4096, 0x800),
    memslot(2, 2 ** 52 - 4096, 4096, 0),
    memslot(2, 2 ** 52, 4096, 0),
    memslot(32763, 32 * MiB, 4096, 0),
    memslot(32764, 32 * MiB, 4096, 0),
    memslot(0x10000 + 3, 32 * MiB, 4096, 0),
    memslot(3, 32 * MiB, 4096, 0, 4),
    // What the host reports.
    check("X2APIC_API", "system"),
    check("X86_DISABLE_EXITS"),
    check("MAX_VCPU_ID"),
    check("MAX_VCPUS"),
    check("SPLIT_IRQCHIP"),
    check("DIRTY_LOG_RING"),
    check("NR_MEMSLOTS", "system"),
  ];
}

/** Calls the hook table (hooks.ts) names: one per x86-caps path, each with a valid argument. */
export const X86_CAPS_CALLS = {
  createVcpu: vcpu(0),
  disableExits: cap("X86_DISABLE_EXITS", HLT),
  splitIrqchip: cap("SPLIT_IRQCHIP", 24),
  maxVcpuId: cap("MAX_VCPU_ID", 4),
  x2apicApi: cap("X2APIC_API", 3),
  checkX2apicVm: check("X2APIC_API"),
  checkX2apicSystem: check("X2APIC_API", "system"),
  createIrqchip: CREATE_IRQCHIP,
  bootCpu: bootCpu(3),
  dirtyRing: cap("DIRTY_LOG_RING", 4096),
  memslot: memslot(0, 0, 2 * MiB, 0),
} as const;

/**
 * Exhaustive mode's alphabet: the first vCPU against the before-vCPU calls it must
 * shut out, one valid argument each, and the set-once dirty ring (whose once-only test
 * runs before kvm->lock: two enables racing each other is the race to find).
 */
export function x86CapsExhaustiveAlphabet(): Call[] {
  const c = X86_CAPS_CALLS;
  return [c.createVcpu, c.disableExits, c.createIrqchip, c.splitIrqchip, c.dirtyRing];
}
