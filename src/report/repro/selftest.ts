/**
 * The counterexample as a KVM selftest (tools/testing/selftests/kvm), written against
 * the selftest library's helpers with the signatures of
 * tools/testing/selftests/kvm/include/kvm_util.h (torvalds/linux): vm_create_barebones(),
 * __vm_vcpu_add(), __vm_enable_cap(), __vm_ioctl(), __vcpu_run(),
 * __vm_set_user_memory_region(2)(), __vm_create_guest_memfd(), kvm_has_cap(),
 * TEST_ASSERT_EQ / TEST_ASSERT / TEST_REQUIRE. The double-underscore helpers return the
 * ioctl's result instead of asserting, so every call's outcome is recorded and compared.
 *
 * As a selftest it asserts the documented contract: it fails when the buggy outcome
 * reproduces, passes otherwise, and skips (KSFT_SKIP) on a host that cannot run it.
 */
import type { Counterexample } from "../../explore/counterexample.js";
import type { Call } from "../../kernel/rt/trace.js";
import type { Subject } from "../../targets/target.js";
import type { Dialect, ReproOptions } from "./emit.js";
import { REPRO_EXIT, cstr, emitC, hex } from "./emit.js";
import { reproPlan } from "./plan.js";
import type { ReproPlan } from "./plan.js";
import { NEWER_UAPI } from "./uapi.js";


function selftest(plan: ReproPlan): Dialect {
  return {
    style: "selftest",
    includes: `#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "test_util.h"

${NEWER_UAPI}`,
    helpers: `static struct kvm_vm *vm;
static struct kvm_vcpu *vcpus[NVCPUS];
static int kvm_fd = -1;

/* The vCPU exists: take its fd and kvm_run (mapped by the library, or here for a raw KVM_CREATE_VCPU). */
static __maybe_unused void vcpu_ready(int idx)
{
	if (vcpus[idx]) {
		vcpu_fd[idx] = vcpus[idx]->fd;
		kvm_runs[idx] = vcpus[idx]->run;
	} else {
		long size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);

		kvm_runs[idx] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd[idx], 0);
		TEST_ASSERT(kvm_runs[idx] != MAP_FAILED, "mmap of kvm_run failed: %s", strerror(errno));
	}
	guest_setup(idx);
}

/* KVM_ENABLE_CAP with flags or more than args[0] (__vm_enable_cap() takes args[0] only). */
static __maybe_unused int enable_cap_args(uint32_t cap, uint32_t flags, uint64_t a0, uint64_t a1,
					  uint64_t a2, uint64_t a3)
{
	struct kvm_enable_cap c = { .cap = cap, .flags = flags, .args = { a0, a1, a2, a3 } };

	return __vm_ioctl(vm, KVM_ENABLE_CAP, &c);
}

static __maybe_unused void teardown_vm(void)
{
	for (int i = 0; i < NVCPUS; i++) {
		/* kvm_vm_free() closes and unmaps the library's vCPUs; the raw ones are ours. */
		if (!vcpus[i] && kvm_runs[i])
			munmap(kvm_runs[i], ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL));
		if (!vcpus[i] && vcpu_fd[i] >= 0)
			close(vcpu_fd[i]);
		vcpus[i] = NULL;
		kvm_runs[i] = NULL;
		vcpu_fd[i] = -1;
	}
	if (gmem_fd >= 0)
		close(gmem_fd);
	gmem_fd = -1;
	kvm_vm_free(vm);
	vm = NULL;
}`,
    hostInit: `\tkvm_fd = open_kvm_dev_path_or_exit();\n\tfor (int i = 0; i < NVCPUS; i++)\n\t\tvcpu_fd[i] = -1;`,
    createVm: "vm = vm_create_barebones();",
    vmFd: "vm->fd",
    kvmFd: "kvm_fd",
    fixtureVcpu: (idx, id) => `vcpus[${idx}] = __vm_vcpu_add(vm, ${id});\n\tvcpu_ready(${idx});`,
    // __vm_vcpu_add() asserts success: use it where the counterexample's vCPU was created,
    // the raw ioctl where the counterexample's KVM_CREATE_VCPU failed.
    createVcpu: (idx, id, expectOk) =>
      expectOk
        ? `(vcpus[${idx}] = __vm_vcpu_add(vm, ${id}), vcpu_fd[${idx}] = vcpus[${idx}]->fd)`
        : `(vcpu_fd[${idx}] = __vm_ioctl(vm, KVM_CREATE_VCPU, (void *)(unsigned long)${id}))`,
    enableCap: (cap, flags, args) => {
      if (flags === 0 && args.slice(1).every((a) => !a)) return `__vm_enable_cap(vm, ${cap}, ${hex(args[0] ?? 0)})`;
      // The library has no KVM_ENABLE_CAP with flags or more arguments; a compound literal
      // cannot go through the __vm_ioctl() macro (its commas split the argument).
      return `enable_cap_args(${cap}, ${flags}, ${[0, 1, 2, 3].map((i) => hex(args[i] ?? 0)).join(", ")})`;
    },
    // kvm_check_cap() asserts; the system ioctl is issued raw so its outcome is recorded.
    checkExtension: (on, cap) =>
      on === "system" ? `ioctl(kvm_fd, KVM_CHECK_EXTENSION, (unsigned long)${cap})` : `__vm_ioctl(vm, KVM_CHECK_EXTENSION, (void *)(unsigned long)${cap})`,
    memslot: (call: Call, hva: string, gmemFd: string) => {
      const args = `vm, ${Number(call.slot)}, ${Number(call.flags ?? 0)}, ${hex(Number(call.guest_phys_addr))}, ${hex(Number(call.memory_size))}, ${hva}`;
      if (call.ioctl === "KVM_SET_USER_MEMORY_REGION2")
        return `__vm_set_user_memory_region2(${args}, ${call.guest_memfd !== undefined ? gmemFd : "0"}, 0)`;
      return `__vm_set_user_memory_region(${args})`;
    },
    runExpr: "(vcpus[idx] ? __vcpu_run(vcpus[idx]) : ioctl(vcpu_fd[idx], KVM_RUN, NULL))",
    must: (expr, what, zero) =>
      zero ? `TEST_ASSERT_EQ(${expr}, 0);` : `TEST_ASSERT((${expr}) >= 0, "%s failed: %s", ${cstr(what)}, strerror(errno));`,
    fail: (fmt, args) => [`TEST_FAIL("${fmt.replace(/\\n$/, "")}"${args ? `, ${args}` : ""});`],
    skip: (why) => `ksft_exit_skip("%s\\n", ${cstr(why)});`,
    require: (cap) => `\tTEST_REQUIRE(kvm_has_cap(${cap}));`,
    requireOnVm: (cap) => `\tTEST_REQUIRE(vm_check_cap(vm, ${cap}));`,
    finish: `\tTEST_ASSERT(result != ${REPRO_EXIT.reproduced}, "%s", ${cstr(`the buggy outcome reproduced: ${plan.property}: ${plan.message}`)});
	if (result == ${REPRO_EXIT.internal})
		printf("the results match the counterexample's, but they are a documented outcome too: the violation is inside the kernel\\n");
	else
		printf("the documented outcome: not reproduced\\n");
	return 0;`,
    createGmem: (size) => `__vm_create_guest_memfd(vm, ${size}, 0)`,
    codeSlot: "__vm_set_user_memory_region(vm, CODE_SLOT, 0, CODE_GPA, 4096, guest_code)",
  };
}

export function selftestC(cx: Counterexample, subject: Subject, opts: ReproOptions = {}): string {
  const plan = reproPlan(cx, subject);
  return emitC(plan, selftest(plan), opts);
}
