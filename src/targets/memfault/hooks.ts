/** The hook tables of arm64-memfault and x86-memfault (see ../hooks.ts). */
import { arm64ArchOps } from "../../kernel/arm64/arch.js";
import { current } from "../../kernel/arm64/variants/current.js";
import type { KvmArchOps } from "../../kernel/generic/arch.js";
import { kvm_create_vm, kvm_vcpu_alloc } from "../../kernel/generic/kvm.js";
import { x86ArchOps } from "../../kernel/x86/arch.js";
import { SharedState } from "../../kernel/rt/state.js";
import type { RunReturnHook } from "../../kernel/generic/vcpu_ioctl.js";
import type { HookSpec, TargetHookTable } from "../hooks.js";
import { KVM_MAIN_FUNCTIONS, kvmMainHooks } from "../hooks.js";
import { MEMFAULT_CALLS } from "./alphabet.js";

/** Upstream: nothing between kvm_arch_vcpu_ioctl_run() and the unlock touches kvm_run; r is KVM_RUN's result. */
const upstreamRunReturn: RunReturnHook<unknown> = function* (_vcpu, r) {
  return r;
};

const onRunReturn: HookSpec = {
  kernel: "kvm_vcpu_ioctl",
  key: "onRunReturn",
  prototype: "long onRunReturn(struct kvm_vcpu *vcpu, long r) /* kvm_vcpu_ioctl(KVM_RUN) after kvm_arch_vcpu_ioctl_run() */",
  file: "virt/kvm/kvm_main.c",
  summary: "the KVM_RUN case of kvm_vcpu_ioctl() between kvm_arch_vcpu_ioctl_run() and mutex_unlock(&vcpu->mutex); returns KVM_RUN's result (upstream: r unchanged)",
  default: upstreamRunReturn,
  reachedBy: [MEMFAULT_CALLS.run],
};

const generic = kvmMainHooks({ createVcpu: MEMFAULT_CALLS.createVcpu, memslot: MEMFAULT_CALLS.memslot });

const functions = KVM_MAIN_FUNCTIONS;

const sampleOf = (ops: KvmArchOps<unknown, unknown>) => () => {
  const kvm = kvm_create_vm(ops, new SharedState());
  return { kvm, vcpu: kvm_vcpu_alloc(kvm, 0) };
};

export const arm64MemfaultHooks: TargetHookTable = {
  target: "arm64-memfault",
  hooks: [
    {
      kernel: "gmem_abort",
      key: "gmemErrorExit",
      prototype:
        "int gmemErrorExit(struct kvm_vcpu *vcpu, gpa_t gpa, gpa_t size, bool is_write, bool is_exec, bool is_private, int err) /* gmem_abort()'s if (ret) { ... } */",
      file: "arch/arm64/kvm/mmu.c",
      summary:
        "gmem_abort()'s branch after kvm_gmem_get_pfn() failed with err: prepares kvm_run, returns gmem_abort()'s result (merged: err; 0 or more resumes the guest, which re-faults)",
      reachedBy: [MEMFAULT_CALLS.run],
    },
    onRunReturn,
    ...generic,
  ],
  functions,
  sample: sampleOf(arm64ArchOps(current.gmemErrorExit!) as KvmArchOps<unknown, unknown>),
};

export const x86MemfaultHooks: TargetHookTable = {
  target: "x86-memfault",
  hooks: [onRunReturn, ...generic],
  functions,
  sample: sampleOf(x86ArchOps() as unknown as KvmArchOps<unknown, unknown>),
};
