/**
 * arm64-memfault and x86-memfault as C sees them: `struct kvm_vcpu` and its `kvm_run`,
 * and the hooks a proposal of the arm64 RFC thread changes: the memory-fault exit that
 * `gmem_abort()` prepares (`kvm_prepare_memory_fault_exit()`, include/linux/kvm_host.h)
 * and the generic KVM_RUN return in `kvm_vcpu_ioctl()` (virt/kvm/kvm_main.c).
 */
import type { StructDesc, World } from "./world.js";
import { COMMON_BUILTINS, COMMON_CONSTANTS, HOST_CONFIG, kvmStruct, vcpuStruct } from "./world.js";
import { LONG } from "./types.js";

const KVM_ARCH: StructDesc = { name: "kvm_arch", fields: {} };
const KVM = kvmStruct(() => KVM_ARCH);
const VCPU = vcpuStruct(() => KVM);
const FILE: StructDesc = { name: "file", fields: { private_data: { kind: "ptr", desc: () => VCPU, get: (o) => o.private_data } } };

const RUN_RETURN = {
  cname: "kvm_vcpu_ioctl",
  arity: [3],
  what: "the KVM_RUN case of kvm_vcpu_ioctl() from r = kvm_arch_vcpu_ioctl_run(vcpu) on (before vcpu->mutex is dropped)",
};

function memfaultWorld(target: string, gmemExit: boolean): World {
  return {
    target,
    structs: { kvm: KVM, kvm_arch: KVM_ARCH, kvm_vcpu: VCPU, file: FILE },
    constants: COMMON_CONSTANTS,
    builtins: {
      ...COMMON_BUILTINS(() => KVM, () => VCPU),
      // In kvm_vcpu_ioctl(): the model ran the arch's KVM_RUN already; this is its result.
      kvm_arch_vcpu_ioctl_run: {
        params: [{ k: "ptr", to: VCPU }],
        ret: LONG,
        *impl(_args, ctx) {
          if (ctx.data.runResult === undefined || ctx.data.ran) throw new Error("kvm_arch_vcpu_ioctl_run() called twice in one KVM_RUN");
          ctx.data.ran = true;
          return BigInt(ctx.data.runResult as number);
        },
      },
    },
    hooks: [
      ...(gmemExit
        ? [{ cname: "kvm_prepare_memory_fault_exit", arity: [6, 7], what: "the memory-fault exit gmem_abort() prepares when kvm_gmem_get_pfn() fails (a 7th parameter gets the error)" }]
        : []),
      RUN_RETURN,
    ],
    config: HOST_CONFIG,
  };
}

export const arm64World = memfaultWorld("arm64-memfault", true);
export const x86World = memfaultWorld("x86-memfault", false);
