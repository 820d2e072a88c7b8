/**
 * The hook table of a target, as data: which kernel functions a variant may supply (by
 * kernel name), the shape the model calls each with, the shipped code that runs where a
 * variant supplies none, and the program calls that reach it; the other kernel
 * functions a variant may call; and the shared fields (cells and mutexes, by kernel
 * name) its code can read, write and lock. The variant schema, the guide's per-target
 * lists, the exhaustive alphabet and the C front end's name resolution all read it.
 */
import { kvm_vm_ioctl_create_vcpu, kvm_get_vcpu_by_id } from "../kernel/generic/create_vcpu.js";
import { kvm_vm_ioctl_enable_dirty_log_ring } from "../kernel/generic/enable_cap.js";
import type { Kvm, KvmVcpu } from "../kernel/generic/kvm.js";
import { kvm_prepare_memory_fault_exit } from "../kernel/generic/memory_fault.js";
import {
  __kvm_set_memory_region,
  check_memory_region_flags,
  kvm_are_all_memslots_empty,
  kvm_set_memory_region,
  kvm_set_memslot,
} from "../kernel/generic/set_memory_region.js";
import type { Call } from "../kernel/rt/trace.js";

export type AnyHook = (...args: never[]) => unknown;

export interface HookSpec {
  /** The kernel function by its kernel name: what a C variant defines. */
  readonly kernel: string;
  /** Where a variant object carries it: `kvm_vm_ioctl_create_vcpu`, `code.kvm_vm_ioctl_enable_cap`. */
  readonly key: string;
  /** Its C prototype as the model calls it: the arguments a hook gets, in order, and what it returns. */
  readonly prototype: string;
  /** The kernel source file it comes from. */
  readonly file: string;
  /** What it does in the model and who calls it, in one line. */
  readonly summary: string;
  /** The shipped code, run where a variant supplies none; absent: every variant supplies it. */
  readonly default?: AnyHook;
  /** Other implementations the model ships (a shipped design's): a variant that reuses one supplies no code of its own. */
  readonly shipped?: readonly AnyHook[];
  /** Program calls that reach it: a variant that supplies it gets them in its exhaustive alphabet. */
  readonly reachedBy: readonly Call[];
}

/** A kernel function a variant's code may call (by kernel name), with the model's implementation. */
export interface KernelFunction {
  readonly name: string;
  readonly prototype: string;
  readonly file: string;
  readonly fn: AnyHook;
}

export interface TargetHookTable {
  readonly target: string;
  readonly hooks: readonly HookSpec[];
  readonly functions: readonly KernelFunction[];
  /** A VM of the target with one vCPU: the shared fields are read from it. */
  sample(): { readonly kvm: Kvm<unknown, unknown>; readonly vcpu: KvmVcpu<unknown> };
}

const KVM_MAIN = "virt/kvm/kvm_main.c";

/** The calls that reach the kvm_main.c hooks on a target: vCPU creation and a memslot change. */
export interface GenericCalls {
  readonly createVcpu: Call;
  readonly memslot: Call;
  /** Targets whose arch has a dirty ring (`ops.config.dirtyRing`): the cap that enables it. */
  readonly dirtyRing?: Call;
}

/** The kvm_main.c functions every target lets a variant replace (`kvm.main`; KvmMainOverrides). */
export function kvmMainHooks(calls: GenericCalls): HookSpec[] {
  const hooks: HookSpec[] = [
    {
      kernel: "kvm_vm_ioctl_create_vcpu",
      key: "kvm_vm_ioctl_create_vcpu",
      prototype: "int kvm_vm_ioctl_create_vcpu(struct kvm *kvm, unsigned long id)",
      file: KVM_MAIN,
      summary: "KVM_CREATE_VCPU: created_vcpus++ under kvm->lock, the arch hooks, the fd; returns the vcpu id or -errno",
      default: kvm_vm_ioctl_create_vcpu,
      reachedBy: [calls.createVcpu],
    },
    {
      kernel: "kvm_set_memory_region",
      key: "kvm_set_memory_region",
      prototype: "int kvm_set_memory_region(struct kvm *kvm, const struct kvm_userspace_memory_region2 *mem)",
      file: KVM_MAIN,
      summary: "KVM_SET_USER_MEMORY_REGION(2) after the slot id check: takes slots_lock around __kvm_set_memory_region()",
      default: kvm_set_memory_region,
      reachedBy: [calls.memslot],
    },
    {
      kernel: "__kvm_set_memory_region",
      key: "__kvm_set_memory_region",
      prototype: "int __kvm_set_memory_region(struct kvm *kvm, const struct kvm_userspace_memory_region2 *mem)",
      file: KVM_MAIN,
      summary: "checks the request, picks CREATE/DELETE/MOVE/FLAGS_ONLY and calls kvm_set_memslot(); caller holds slots_lock",
      default: __kvm_set_memory_region,
      reachedBy: [calls.memslot],
    },
  ];
  if (calls.dirtyRing)
    hooks.push({
      kernel: "kvm_vm_ioctl_enable_dirty_log_ring",
      key: "kvm_vm_ioctl_enable_dirty_log_ring",
      prototype: "int kvm_vm_ioctl_enable_dirty_log_ring(struct kvm *kvm, u32 size)",
      file: KVM_MAIN,
      summary: "KVM_CAP_DIRTY_LOG_RING(_ACQ_REL) from kvm_vm_ioctl_enable_cap_generic(), no lock held: sets kvm->dirty_ring_size once, before vCPUs",
      default: kvm_vm_ioctl_enable_dirty_log_ring,
      reachedBy: [calls.dirtyRing],
    });
  return hooks;
}

/** Kernel functions of kvm_main.c and kvm_host.h every target's variants may call. */
export const KVM_MAIN_FUNCTIONS: readonly KernelFunction[] = [
  { name: "kvm_are_all_memslots_empty", prototype: "bool kvm_are_all_memslots_empty(struct kvm *kvm)", file: "include/linux/kvm_host.h", fn: kvm_are_all_memslots_empty },
  {
    name: "kvm_prepare_memory_fault_exit",
    prototype: "void kvm_prepare_memory_fault_exit(struct kvm_vcpu *vcpu, gpa_t gpa, gpa_t size, bool is_write, bool is_exec, bool is_private)",
    file: "include/linux/kvm_host.h",
    fn: kvm_prepare_memory_fault_exit,
  },
  { name: "kvm_get_vcpu_by_id", prototype: "struct kvm_vcpu *kvm_get_vcpu_by_id(struct kvm *kvm, int id)", file: KVM_MAIN, fn: kvm_get_vcpu_by_id },
  {
    name: "check_memory_region_flags",
    prototype: "int check_memory_region_flags(struct kvm *kvm, const struct kvm_userspace_memory_region2 *mem)",
    file: KVM_MAIN,
    fn: check_memory_region_flags,
  },
  {
    name: "kvm_set_memslot",
    prototype: "int kvm_set_memslot(struct kvm *kvm, struct kvm_memory_slot *old, struct kvm_memory_slot *new, enum kvm_mr_change change)",
    file: KVM_MAIN,
    fn: kvm_set_memslot,
  },
];

/** The value at `key` (`a.b`) of a variant object. */
export function hookAt(variant: object, key: string): unknown {
  return key.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), variant);
}

/** `variant` with `fn` at `key` (`a.b`), the objects on the way copied: how a front end puts a translated function in place. */
export function withHookAt<V extends object>(variant: V, key: string, fn: AnyHook): V {
  const [head, ...rest] = key.split(".");
  const inner = (variant as Record<string, unknown>)[head!];
  return {
    ...variant,
    [head!]: rest.length ? withHookAt((inner ?? {}) as object, rest.join("."), fn) : fn,
  } as V;
}

/** The hooks of `table` that `variant` supplies (its own code, not the shipped defaults). */
export function suppliedHooks(table: TargetHookTable, variant: object): HookSpec[] {
  return table.hooks.filter((h) => {
    const f = hookAt(variant, h.key);
    return typeof f === "function" && f !== h.default && !h.shipped?.includes(f as AnyHook);
  });
}

/** The hook a C function of that kernel name maps to on `table`'s target, or null. */
export function hookByKernelName(table: TargetHookTable, name: string): HookSpec | null {
  return table.hooks.find((h) => h.kernel === name) ?? null;
}

const sameCall = (a: Call, b: Call) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The exhaustive alphabet of a variant: the target's, plus the calls that reach each
 * hook the variant supplies, so that a proof covers every path the variant defines.
 */
export function widenAlphabet(base: readonly Call[], table: TargetHookTable, variant: object): Call[] {
  const out = [...base];
  for (const h of suppliedHooks(table, variant)) for (const c of h.reachedBy) if (!out.some((x) => sameCall(x, c))) out.push(c);
  return out;
}

/** The kvm_main.c overrides a variant carries (for `kvm_create_vm`). */
export function mainOverridesOf(variant: object): Record<string, AnyHook> {
  const out: Record<string, AnyHook> = {};
  for (const k of ["kvm_vm_ioctl_create_vcpu", "kvm_vm_ioctl_enable_dirty_log_ring", "kvm_set_memory_region", "__kvm_set_memory_region"]) {
    const f = (variant as Record<string, unknown>)[k];
    if (typeof f === "function") out[k] = f as AnyHook;
  }
  return out;
}

export interface SharedField {
  /** The kernel's name for it, as traces print it (`kvm->created_vcpus`, `vcpu->run->exit_reason`). */
  readonly name: string;
  /** How a TypeScript variant reaches it (`kvm.created_vcpus`). */
  readonly path: string;
  readonly kind: "cell" | "mutex";
}

const isMutex = (x: object) => "owner" in x && "name" in x;
const isCell = (x: object) => "value" in x && "name" in x;

/** The cells and mutexes of a target's `struct kvm` and `struct kvm_vcpu`, by kernel name. */
export function sharedFields(table: TargetHookTable): SharedField[] {
  const { kvm, vcpu } = table.sample();
  const out: SharedField[] = [];
  const walk = (o: object, path: string, skip: readonly string[]) => {
    for (const [k, v] of Object.entries(o)) {
      if (skip.includes(k) || v === null || typeof v !== "object" || v instanceof Map || v instanceof WeakMap || Array.isArray(v)) continue;
      const p = `${path}.${k}`;
      if (isMutex(v)) out.push({ name: String((v as { name: string }).name), path: p, kind: "mutex" });
      else if (isCell(v)) out.push({ name: String((v as { name: string }).name), path: p, kind: "cell" });
      else walk(v, p, []);
    }
  };
  walk(kvm, "kvm", ["shared", "ops", "main", "vcpu_fds"]);
  walk(vcpu, "vcpu", ["kvm", "task"]);
  // A vCPU's fields are named after the vCPU that has them: vcpu0->run->... is any vcpu->run->...
  return out.map((f) => ({ ...f, name: f.name.replace(/^vcpu\d+->/, "vcpu->") }));
}
