/**
 * The userspace side of a call and the ioctl dispatch: `kvm_dev_ioctl()` for
 * /dev/kvm, `kvm_vm_ioctl()` for the VM fd, `kvm_vcpu_ioctl()` for a vCPU fd.
 * Programs name capabilities by their uapi names; a variant that adds a cap
 * brings its number.
 */
import type { K } from "../rt/ops.js";
import { READ, WRITE } from "../rt/ops.js";
import type { Call, CallResult } from "../rt/trace.js";
import { EBADF, EINVAL, ENOTTY, ESRCH } from "../uapi/errno.js";
import { capNumber } from "../uapi/caps.js";
import type { Kvm, KvmVcpu } from "./kvm.js";
import { vcpuFd } from "./kvm.js";
import { kvm_vm_ioctl_create_vcpu } from "./create_vcpu.js";
import { kvm_vm_ioctl_check_extension_generic, kvm_vm_ioctl_enable_cap_generic } from "./enable_cap.js";
import { KVM_MEM_SLOTS_NUM } from "./kvm.js";
import type { KvmUserspaceMemoryRegion } from "./set_memory_region.js";
import { kvm_set_memory_region } from "./set_memory_region.js";
import type { RunReturnHook } from "./vcpu_ioctl.js";
import { kvm_vcpu_ioctl_run } from "./vcpu_ioctl.js";
import type { Task } from "./task.js";
import { send_signal } from "./task.js";

/**
 * Generic behaviour a patch may change around KVM_RUN (the arch hooks live in `kvm.ops`,
 * the replaced kvm_main.c functions in `kvm.main`).
 */
export interface GenericHooks<VA> {
  readonly onRunReturn?: RunReturnHook<VA>;
  /** What userspace reads from `kvm_run` after KVM_RUN returns. */
  readonly runSnapshot?: (vcpu: KvmVcpu<VA>) => K<Record<string, unknown>>;
}

export interface SyscallContext<A, VA> {
  readonly kvm: Kvm<A, VA>;
  readonly caps: Readonly<Record<string, number>>;
  readonly hooks: GenericHooks<VA>;
  /** The program's threads as tasks, for targets that send signals. */
  readonly tasks?: readonly Task[];
}

function* vm_fd_ioctl<A, VA>(ctx: SyscallContext<A, VA>, call: Call): K<number> {
  const { kvm } = ctx;
  switch (call.ioctl) {
    case "KVM_CREATE_VCPU":
      return yield* (kvm.main.kvm_vm_ioctl_create_vcpu ?? kvm_vm_ioctl_create_vcpu)(kvm, Number(call.id));
    case "KVM_ENABLE_CAP": {
      // kvm_vm_ioctl_enable_cap_generic(): the dirty-ring caps (for arches that have
      // one), everything else the arch's kvm_vm_ioctl_enable_cap() with no lock held.
      const cap = { cap: capNumber(ctx.caps, call.cap), flags: Number(call.flags ?? 0), args: (call.args as number[]) ?? [] };
      return yield* kvm_vm_ioctl_enable_cap_generic(kvm, cap);
    }
    case "KVM_CHECK_EXTENSION":
      return yield* kvm_vm_ioctl_check_extension_generic(kvm.ops, kvm, capNumber(ctx.caps, call.cap));
    case "KVM_SET_USER_MEMORY_REGION":
    case "KVM_SET_USER_MEMORY_REGION2":
      // kvm_vm_ioctl_set_memory_region(): the slot id check comes before slots_lock.
      if ((Number(call.slot) & 0xffff) >= (kvm.ops.config?.KVM_USER_MEM_SLOTS ?? KVM_MEM_SLOTS_NUM)) return -EINVAL;
      return yield* (kvm.main.kvm_set_memory_region ?? kvm_set_memory_region)(kvm, call as unknown as KvmUserspaceMemoryRegion);
    default:
      // kvm_arch_vm_ioctl()
      return kvm.ops.kvm_arch_vm_ioctl ? yield* kvm.ops.kvm_arch_vm_ioctl(kvm, call) : -ENOTTY;
  }
}

/** Runs one program call: resolves the fd as userspace would, then the kernel path. */
export function* sys_ioctl<A, VA>(ctx: SyscallContext<A, VA>, tid: number, call: Call): K<CallResult> {
  if (call.ioctl === "pthread_kill") {
    const task = ctx.tasks?.[Number(call.thread)];
    if (!task) return { r: -ESRCH };
    yield* send_signal(task);
    return { r: 0 };
  }
  const fd = call.fd;
  if (fd === "system") {
    if (call.ioctl !== "KVM_CHECK_EXTENSION") return { r: -EINVAL };
    // kvm_dev_ioctl() -> kvm_vm_ioctl_check_extension_generic(NULL, arg)
    return { r: yield* kvm_vm_ioctl_check_extension_generic(ctx.kvm.ops, null, capNumber(ctx.caps, call.cap)) };
  }
  if (fd === "vm") return { r: yield* vm_fd_ioctl(ctx, call) };
  if (typeof fd === "object" && fd !== null && "vcpu" in fd) {
    // The program's thread uses the fd KVM_CREATE_VCPU installed, if it exists yet.
    const vcpu = yield* READ(vcpuFd(ctx.kvm, Number((fd as { vcpu: number }).vcpu)));
    if (!vcpu) return { r: -EBADF };
    if (call.ioctl !== "KVM_RUN") return { r: -ENOTTY };
    // Userspace writes kvm_run->immediate_exit (and kvm_valid_regs) before the ioctl.
    if (call.immediate_exit !== undefined) yield* WRITE(vcpu.run.immediate_exit, Number(call.immediate_exit));
    if (call.kvm_valid_regs !== undefined) yield* WRITE(vcpu.run.kvm_valid_regs, Number(call.kvm_valid_regs));
    const task = ctx.tasks?.[tid] ?? null;
    const r = yield* kvm_vcpu_ioctl_run(vcpu, { guest: call.guest ?? null, task }, ctx.hooks.onRunReturn);
    const run = ctx.hooks.runSnapshot ? yield* ctx.hooks.runSnapshot(vcpu) : undefined;
    return run ? { r, run } : { r };
  }
  return { r: -EBADF };
}
