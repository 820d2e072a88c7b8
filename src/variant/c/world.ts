/**
 * What C code can name, per target: the kernel structs the model has (each field a
 * shared cell, a private field, a mutex, an embedded struct or a pointer, with its C
 * type), the constants (errno, uapi, arch), and the kernel functions the model
 * implements, resolved by their kernel name. The field and function names are the
 * kernel's, so a line of the patch reads as it is.
 */
import type { K } from "../../kernel/rt/ops.js";
import { mutex_lock, mutex_unlock, oops } from "../../kernel/rt/ops.js";
import type { Kvm, KvmVcpu } from "../../kernel/generic/kvm.js";
import { kvm_are_all_memslots_empty } from "../../kernel/generic/set_memory_region.js";
import { kvm_prepare_memory_fault_exit } from "../../kernel/generic/memory_fault.js";
import type { Cell, Mutex } from "../../kernel/rt/state.js";
import * as errno from "../../kernel/uapi/errno.js";
import * as exits from "../../kernel/uapi/exits.js";
import { UAPI_CAPS } from "../../kernel/uapi/caps.js";
import { PAGE_SHIFT, PAGE_SIZE } from "../../kernel/generic/kvm.js";
import type { CType, IntType } from "./types.js";
import { BOOL, INT, U32, U64, U8, ULONG } from "./types.js";

/** A pointer (or the address of an embedded struct) at run time; `p` null is NULL. */
export interface PtrVal {
  readonly p: object | null;
}
export interface MutexVal {
  readonly m: Mutex;
}
/** A C value at run time: an integer, a pointer, `&some_mutex`, or nothing (void). */
export type Value = bigint | PtrVal | MutexVal | undefined;

export type FieldDesc =
  /** Shared between threads: each read and write is one of the runtime's ops (a scheduling point). */
  | { readonly kind: "cell"; readonly type: IntType; readonly cell: (o: any) => Cell<unknown> } // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Private to the thread that runs the path (or constant): read and written directly. */
  | { readonly kind: "plain"; readonly type: IntType; readonly get: (o: any) => unknown; readonly set?: (o: any, v: unknown) => void } // eslint-disable-line @typescript-eslint/no-explicit-any
  | { readonly kind: "mutex"; readonly mutex: (o: any) => Mutex } // eslint-disable-line @typescript-eslint/no-explicit-any
  | { readonly kind: "struct"; readonly desc: () => StructDesc; readonly get: (o: any) => object } // eslint-disable-line @typescript-eslint/no-explicit-any
  | { readonly kind: "ptr"; readonly desc: () => StructDesc; readonly get: (o: any) => object | null } // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A fixed-size array (elements a program leaves out are 0, as in the zeroed copy from userspace). */
  | { readonly kind: "array"; readonly of: IntType; readonly length: number; readonly get: (o: any) => readonly number[] }; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface StructDesc {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldDesc>>;
}

/** A kernel function the model implements, callable from C by its name. */
export interface Builtin {
  readonly params: readonly CType[];
  readonly ret: CType;
  readonly impl: (args: readonly Value[], ctx: CallCtx) => K<Value>;
}

/** Which shipped-model function a C function definition replaces, and how the model calls it. */
export interface HookSlot {
  /** The kernel function name in C. */
  readonly cname: string;
  /** Parameter counts accepted (gated kvm_prepare_memory_fault_exit() takes the error as a 7th). */
  readonly arity: readonly number[];
  /** What it is, for messages and the guide. */
  readonly what: string;
}

export interface World {
  readonly target: string;
  /** `struct kvm`, `struct kvm_vcpu`, ... by their C names. */
  readonly structs: Readonly<Record<string, StructDesc>>;
  readonly constants: Readonly<Record<string, { readonly value: bigint; readonly type: IntType }>>;
  readonly builtins: Readonly<Record<string, Builtin>>;
  readonly hooks: readonly HookSlot[];
  /** `sizeof(struct X)` for the structs whose size the kernel code computes with (`kvm_dirty_gfn`). */
  readonly sizes?: Readonly<Record<string, number>>;
  /** `CONFIG_*` as the simulated host has them (for `#ifdef` and `IS_ENABLED()`). */
  readonly config: Readonly<Record<string, boolean>>;
}

/** The value of a cell as C sees it: an integer (a bool cell is 0 or 1). */
export function fromCell(v: unknown): bigint {
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "bigint") return v;
  throw new Error(`a shared field holds ${typeof v}, not an integer`);
}

/** A C integer stored into a field of type `t`: booleans stay booleans, the rest numbers. */
export function toCell(v: bigint, t: IntType): unknown {
  return t.bits === 1 ? v !== 0n : Number(v);
}

const cell = (type: IntType, f: (o: any) => Cell<unknown>): FieldDesc => ({ kind: "cell", type, cell: f }); // eslint-disable-line @typescript-eslint/no-explicit-any
const mutex = (f: (o: any) => Mutex): FieldDesc => ({ kind: "mutex", mutex: f }); // eslint-disable-line @typescript-eslint/no-explicit-any

/** `struct kvm` (generic part); `arch` is the target's `struct kvm_arch`. */
export function kvmStruct(arch: () => StructDesc): StructDesc {
  return {
    name: "kvm",
    fields: {
      lock: mutex((o) => o.lock),
      slots_lock: mutex((o) => o.slots_lock),
      slots_arch_lock: mutex((o) => o.slots_arch_lock),
      created_vcpus: cell(INT, (o) => o.created_vcpus),
      online_vcpus: cell(INT, (o) => o.online_vcpus),
      max_vcpus: { kind: "plain", type: INT, get: (o) => o.max_vcpus },
      arch: { kind: "struct", desc: arch, get: (o) => o.arch },
    },
  };
}

/** `struct kvm_run`: the fields the models share with userspace. */
export const KVM_RUN_STRUCT: StructDesc = {
  name: "kvm_run",
  fields: {
    immediate_exit: cell(U8, (o) => o.immediate_exit),
    // Since 6.13 the kernel reads it as immediate_exit__unsafe.
    immediate_exit__unsafe: cell(U8, (o) => o.immediate_exit),
    exit_reason: cell(U32, (o) => o.exit_reason),
    memory_fault: {
      kind: "struct",
      get: (o) => o,
      desc: () => ({
        name: "kvm_run.memory_fault",
        fields: {
          flags: cell(U64, (o) => o.memory_fault_flags),
          gpa: cell(U64, (o) => o.memory_fault_gpa),
          size: cell(U64, (o) => o.memory_fault_size),
        },
      }),
    },
  },
};

/** `struct kvm_vcpu` (generic part). */
export function vcpuStruct(kvm: () => StructDesc): StructDesc {
  return {
    name: "kvm_vcpu",
    fields: {
      kvm: { kind: "ptr", desc: kvm, get: (o) => o.kvm },
      vcpu_id: { kind: "plain", type: INT, get: (o) => o.vcpu_id },
      vcpu_idx: { kind: "plain", type: INT, get: (o) => o.vcpu_idx },
      mutex: mutex((o) => o.mutex),
      requests: cell(ULONG, (o) => o.requests),
      run: { kind: "ptr", desc: () => KVM_RUN_STRUCT, get: (o) => o.run },
      // Only the thread in KVM_RUN, holding vcpu->mutex, touches it.
      wants_to_run: { kind: "plain", type: BOOL, get: (o) => o.wants_to_run, set: (o, v) => (o.wants_to_run = v) },
    },
  };
}

/** `struct kvm_enable_cap`: the ioctl's argument, copied from userspace (private). */
export const KVM_ENABLE_CAP_STRUCT: StructDesc = {
  name: "kvm_enable_cap",
  fields: {
    cap: { kind: "plain", type: U32, get: (o) => o.cap },
    flags: { kind: "plain", type: U32, get: (o) => o.flags },
    args: { kind: "array", of: U64, length: 4, get: (o) => o.args },
  },
};

const constants = (table: Readonly<Record<string, unknown>>, type: IntType) =>
  Object.fromEntries(Object.entries(table).flatMap(([k, v]) => (typeof v === "number" ? [[k, { value: BigInt(v), type }]] : [])));

/** Constants every target has: errno values, KVM_CAP_*, KVM_EXIT_*, PAGE_SIZE, KVM_RUN. */
export const COMMON_CONSTANTS: World["constants"] = {
  ...constants(errno, INT),
  ...constants(UAPI_CAPS, INT),
  ...constants(exits, INT),
  PAGE_SHIFT: { value: BigInt(PAGE_SHIFT), type: INT },
  BITS_PER_LONG: { value: 64n, type: INT },
  PAGE_SIZE: { value: BigInt(PAGE_SIZE), type: ULONG },
  // _IO(KVMIO, 0x80)
  KVM_RUN: { value: 0xae80n, type: INT },
  true: { value: 1n, type: BOOL },
  false: { value: 0n, type: BOOL },
};

/** The simulated host: 64-bit, KVM built in. */
export const HOST_CONFIG: World["config"] = { CONFIG_64BIT: true, CONFIG_32BIT: false, CONFIG_KVM: true, CONFIG_LOCKDEP: true, CONFIG_PROVE_LOCKING: true };

/** What a builtin gets besides its arguments: data the hook that is running passed in. */
export interface CallCtx {
  readonly data: Record<string, unknown>;
}

/** A NULL pointer dereference in a builtin's argument. */
export function* deref(v: Value, what: string): K<object> {
  const p = (v as PtrVal | undefined)?.p;
  if (!p) return yield* oops(`NULL pointer dereference: ${what} with a NULL pointer`);
  return p;
}

const m = (v: Value): Mutex => (v as MutexVal).m;

/** Kernel functions every target has: the locking primitives and the generic helpers. */
export const COMMON_BUILTINS = (kvm: () => StructDesc, vcpu: () => StructDesc): Record<string, Builtin> => {
  const mutexArg: CType = { k: "mutex" };
  // The runtime is sequentially consistent: a barrier orders nothing it does not order already.
  const barrier: Builtin = { params: [], ret: { k: "void" }, *impl() { return undefined; } };
  return {
    smp_wmb: barrier,
    smp_rmb: barrier,
    smp_mb: barrier,
    mutex_lock: { params: [mutexArg], ret: { k: "void" }, *impl([a]) { yield* mutex_lock(m(a)); return undefined; } },
    mutex_unlock: { params: [mutexArg], ret: { k: "void" }, *impl([a]) { yield* mutex_unlock(m(a)); return undefined; } },
    kvm_are_all_memslots_empty: {
      params: [{ k: "ptr", to: kvm() }],
      ret: BOOL,
      *impl([k]) {
        const o = yield* deref(k, "kvm_are_all_memslots_empty(kvm)");
        return (yield* kvm_are_all_memslots_empty(o as Kvm)) ? 1n : 0n;
      },
    },
    kvm_prepare_memory_fault_exit: {
      params: [{ k: "ptr", to: vcpu() }, U64, U64, BOOL, BOOL, BOOL],
      ret: { k: "void" },
      *impl([v, gpa, size, w, x, p]) {
        const o = yield* deref(v, "kvm_prepare_memory_fault_exit(vcpu)");
        yield* kvm_prepare_memory_fault_exit(o as KvmVcpu, Number(gpa), Number(size), w !== 0n, x !== 0n, p !== 0n);
        return undefined;
      },
    },
  };
};
