/**
 * `struct kvm`, `struct kvm_vcpu` and `struct kvm_run`: the fields the generic paths
 * share between threads, as cells and mutexes with the kernel's names. Only what some
 * transcribed path reads or writes is here. `A` and `VA` are the arch parts
 * (`kvm->arch`, `vcpu->arch`), which each target defines.
 */
import type { K } from "../rt/ops.js";
import type { Cell, Mutex } from "../rt/state.js";
import { SharedState } from "../rt/state.js";
import type { KvmArchOps } from "./arch.js";
import type { KvmUserspaceMemoryRegion } from "./set_memory_region.js";
import type { Task } from "./task.js";

/** `struct kvm_memory_slot`, as far as the models need it. Immutable: memslots are published by swapping arrays (SRCU). */
export interface KvmMemorySlot {
  readonly id: number;
  readonly as_id: number;
  readonly base_gfn: number;
  readonly npages: number;
  readonly flags: number;
  readonly userspace_addr: number;
  /** KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD: the bound guest_memfd. */
  readonly guest_memfd?: number;
}

/** The `kvm_run` fields the models touch. Userspace reads them after KVM_RUN returns. */
export interface KvmRun {
  readonly immediate_exit: Cell<number>;
  /** `kvm_run->kvm_valid_regs` (x86 sync regs; an unknown bit fails KVM_RUN with -EINVAL). */
  readonly kvm_valid_regs: Cell<number>;
  readonly exit_reason: Cell<number>;
  readonly memory_fault_flags: Cell<number>;
  readonly memory_fault_gpa: Cell<number>;
  readonly memory_fault_size: Cell<number>;
}

export interface KvmVcpu<VA = unknown> {
  readonly kvm: Kvm<unknown, VA>;
  readonly vcpu_id: number;
  /** Set under kvm->lock before the vCPU is published; plain number, not shared before that. */
  vcpu_idx: number;
  readonly mutex: Mutex;
  /** `vcpu->requests` (KVM_REQ_* bits). */
  readonly requests: Cell<number>;
  readonly run: KvmRun;
  /** `vcpu->wants_to_run`: only the thread inside KVM_RUN (holding vcpu->mutex) touches it. */
  wants_to_run: boolean;
  /** Not kernel state: what the guest does when entered during the current KVM_RUN. */
  guest: unknown;
  /** `current` while a thread is in KVM_RUN on this vCPU (set under vcpu->mutex). */
  task: Task | null;
  readonly arch: VA;
  /** Traces print a vCPU by name, not by its (circular) structure. */
  toJSON(): string;
}

export interface Kvm<A = unknown, VA = unknown> {
  readonly shared: SharedState;
  readonly ops: KvmArchOps<A, VA>;
  /** `kvm->lock` */
  readonly lock: Mutex;
  readonly slots_lock: Mutex;
  readonly slots_arch_lock: Mutex;
  readonly created_vcpus: Cell<number>;
  readonly online_vcpus: Cell<number>;
  /** `kvm->max_vcpus` (KVM_MAX_VCPUS unless the arch lowers it); constant after creation. */
  readonly max_vcpus: number;
  /** `kvm->vcpu_array`: vCPUs by `vcpu_idx`, published with `xa_insert`. */
  readonly vcpu_array: Cell<readonly KvmVcpu<VA>[]>;
  /** `kvm->memslots[0]`: the active memslots of address space 0 (the models use one). */
  readonly memslots: Cell<readonly KvmMemorySlot[]>;
  /** `kvm->nr_memslot_pages`, checked for overflow and by deletes. */
  readonly nr_memslot_pages: Cell<number>;
  /** `kvm->dirty_ring_size`: only on arches with a dirty ring (`ops.config.dirtyRing`). */
  readonly dirty_ring_size?: Cell<number>;
  /**
   * The userspace side: the vCPU fds installed so far, by vcpu id. Installing the fd
   * (`create_vcpu_fd`) is when another userspace thread can first use the vCPU.
   */
  readonly vcpu_fds: Map<number, Cell<KvmVcpu<VA> | null>>;
  readonly arch: A;
  /** What `check_memory_region_flags()` accepts on this VM (the arch's memslot flags). */
  readonly valid_memslot_flags: number;
  /** The virt/kvm/kvm_main.c functions a variant replaces; the shipped ones run where absent. */
  readonly main: KvmMainOverrides<A, VA>;
}

/**
 * The generic (virt/kvm/kvm_main.c) functions a variant may replace, by kernel name. The
 * callers look here first, so a variant's `__kvm_set_memory_region()` runs under the
 * shipped `kvm_set_memory_region()` and the other way round.
 */
export interface KvmMainOverrides<A = unknown, VA = unknown> {
  readonly kvm_vm_ioctl_create_vcpu?: (kvm: Kvm<A, VA>, id: number) => K<number>;
  readonly kvm_vm_ioctl_enable_dirty_log_ring?: (kvm: Kvm<A, VA>, size: number) => K<number>;
  readonly kvm_set_memory_region?: (kvm: Kvm<A, VA>, mem: KvmUserspaceMemoryRegion) => K<number>;
  readonly __kvm_set_memory_region?: (kvm: Kvm<A, VA>, mem: KvmUserspaceMemoryRegion) => K<number>;
}

/** `KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY`: what every arch of the models accepts. */
const DEFAULT_MEMSLOT_FLAGS = (1 << 0) | (1 << 1);

export interface KvmCreateOptions<A, VA> {
  readonly main?: KvmMainOverrides<A, VA>;
  /** The memslot flags the VM accepts (default KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY). */
  readonly memslotFlags?: number;
}

/** KVM_MAX_VCPU_IDS on the arch the models use (riscv and arm64: KVM_MAX_VCPUS = 1024). */
export const KVM_MAX_VCPU_IDS = 1024;
export const KVM_MAX_VCPUS = 1024;
export const KVM_MEM_SLOTS_NUM = 32767;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** `KVM_CREATE_VM` as far as the models need it: the VM exists before any program call. */
export function kvm_create_vm<A, VA>(ops: KvmArchOps<A, VA>, shared = new SharedState(), opts: KvmCreateOptions<A, VA> = {}): Kvm<A, VA> {
  const partial = {
    shared,
    ops,
    lock: shared.mutex("kvm->lock"),
    slots_lock: shared.mutex("kvm->slots_lock"),
    slots_arch_lock: shared.mutex("kvm->slots_arch_lock"),
    created_vcpus: shared.cell("kvm->created_vcpus", 0),
    online_vcpus: shared.cell("kvm->online_vcpus", 0),
    max_vcpus: KVM_MAX_VCPUS,
    vcpu_array: shared.cell<readonly KvmVcpu<VA>[]>("kvm->vcpu_array", []),
    memslots: shared.cell<readonly KvmMemorySlot[]>("kvm->memslots", []),
    nr_memslot_pages: shared.cell("kvm->nr_memslot_pages", 0),
    ...(ops.config?.dirtyRing ? { dirty_ring_size: shared.cell("kvm->dirty_ring_size", 0) } : {}),
    vcpu_fds: new Map<number, Cell<KvmVcpu<VA> | null>>(),
    valid_memslot_flags: opts.memslotFlags ?? DEFAULT_MEMSLOT_FLAGS,
    main: opts.main ?? {},
  };
  // kvm_arch_init_vm() runs before the VM is visible to any other thread: no steps.
  return { ...partial, arch: ops.kvm_arch_init_vm(shared) };
}

/** The userspace fd slot for vCPU `id` (made on first use; empty until the fd is installed). */
export function vcpuFd<VA>(kvm: Kvm<unknown, VA>, id: number): Cell<KvmVcpu<VA> | null> {
  let c = kvm.vcpu_fds.get(id);
  if (!c) {
    c = kvm.shared.cell<KvmVcpu<VA> | null>(`fd(vcpu${id})`, null);
    kvm.vcpu_fds.set(id, c);
  }
  return c;
}

/** `kvm_vcpu_init()` plus the `kvm_run` page: allocation, private to the creating thread. */
/**
 * The location names of vCPU `id`, made once per id: every execution allocates its
 * vCPUs again, and a name built afresh each time is a new string to hash in every
 * lookup (a tenth of an exhaustive run's time before this cache).
 */
const vcpuNames = new Map<number, ReturnType<typeof namesOf>>();
function namesOf(id: number) {
  const n = `vcpu${id}`;
  return {
    n,
    mutex: `${n}->mutex`,
    requests: `${n}->requests`,
    immediate_exit: `${n}->run->immediate_exit`,
    kvm_valid_regs: `${n}->run->kvm_valid_regs`,
    exit_reason: `${n}->run->exit_reason`,
    memory_fault_flags: `${n}->run->memory_fault.flags`,
    memory_fault_gpa: `${n}->run->memory_fault.gpa`,
    memory_fault_size: `${n}->run->memory_fault.size`,
  };
}

export function kvm_vcpu_alloc<A, VA>(kvm: Kvm<A, VA>, id: number): KvmVcpu<VA> {
  const s = kvm.shared;
  let names = vcpuNames.get(id);
  if (!names) vcpuNames.set(id, (names = namesOf(id)));
  const n = names.n;
  const vcpu: KvmVcpu<VA> = {
    kvm: kvm as Kvm<unknown, VA>,
    vcpu_id: id,
    vcpu_idx: -1,
    mutex: s.mutex(names.mutex),
    requests: s.cell(names.requests, 0),
    run: {
      immediate_exit: s.cell(names.immediate_exit, 0),
      kvm_valid_regs: s.cell(names.kvm_valid_regs, 0),
      exit_reason: s.cell(names.exit_reason, 0),
      memory_fault_flags: s.cell(names.memory_fault_flags, 0),
      memory_fault_gpa: s.cell(names.memory_fault_gpa, 0),
      memory_fault_size: s.cell(names.memory_fault_size, 0),
    },
    wants_to_run: false,
    guest: null,
    task: null,
    arch: kvm.ops.kvm_vcpu_arch_alloc(s, n),
    toJSON: () => n,
  };
  return vcpu;
}
