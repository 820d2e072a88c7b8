/**
 * The counterexample as a C program that needs only <linux/kvm.h> and libc: its own
 * tiny helpers (open /dev/kvm, KVM_CREATE_VM, ioctls that record errno, the kvm_run
 * mmap sized by KVM_GET_VCPU_MMAP_SIZE, a real-mode x86 guest). It exits 0 when the
 * run shows the buggy outcome, 1 when it shows another (the documented one), 3 when
 * the results match but the violation is not visible from userspace, 2 when setup
 * fails and 4 (the selftests' KSFT_SKIP) when the host cannot run it.
 */
import type { Call } from "../../kernel/rt/trace.js";
import type { Counterexample } from "../../explore/counterexample.js";
import type { Subject } from "../../targets/target.js";
import type { Dialect, ReproOptions } from "./emit.js";
import { REPRO_EXIT, emitC, hex } from "./emit.js";
import { reproPlan } from "./plan.js";
import { NEWER_UAPI } from "./uapi.js";


const standalone: Dialect = {
  style: "standalone",
  includes: `#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#include <linux/kvm.h>

${NEWER_UAPI}`,
  helpers: `static int kvm_fd = -1, vm_fd = -1;
static long run_size;

/* The vCPU's fd is in vcpu_fd[idx]: map its kvm_run and set up its guest. */
static __maybe_unused void vcpu_ready(int idx)
{
	kvm_runs[idx] = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd[idx], 0);
	if (kvm_runs[idx] == MAP_FAILED) {
		fprintf(stderr, "setup: mmap of kvm_run failed: %s\\n", strerror(errno));
		exit(${REPRO_EXIT.error});
	}
	guest_setup(idx);
}

/* A mapped kvm_run keeps the whole VM alive: unmap before closing. */
static __maybe_unused void teardown_vm(void)
{
	for (int i = 0; i < NVCPUS; i++) {
		if (kvm_runs[i])
			munmap(kvm_runs[i], run_size);
		if (vcpu_fd[i] >= 0)
			close(vcpu_fd[i]);
		kvm_runs[i] = NULL;
		vcpu_fd[i] = -1;
	}
	if (gmem_fd >= 0)
		close(gmem_fd);
	gmem_fd = -1;
	close(vm_fd);
	vm_fd = -1;
}`,
  hostInit: `\tkvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		printf("skip: cannot open /dev/kvm: %s\\n", strerror(errno));
		exit(${REPRO_EXIT.skip});
	}
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0) {
		fprintf(stderr, "setup: KVM_GET_VCPU_MMAP_SIZE failed: %s\\n", strerror(errno));
		exit(${REPRO_EXIT.error});
	}
	for (int i = 0; i < NVCPUS; i++)
		vcpu_fd[i] = -1;`,
  createVm: `vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
if (vm_fd < 0) {
	fprintf(stderr, "setup: KVM_CREATE_VM failed: %s\\n", strerror(errno));
	exit(${REPRO_EXIT.error});
}`,
  vmFd: "vm_fd",
  kvmFd: "kvm_fd",
  fixtureVcpu: (idx, id) =>
    `vcpu_fd[${idx}] = ioctl(vm_fd, KVM_CREATE_VCPU, ${id}UL);\n\tif (vcpu_fd[${idx}] < 0) {\n\t\tfprintf(stderr, "setup: KVM_CREATE_VCPU(${id}) failed: %s\\n", strerror(errno));\n\t\texit(${REPRO_EXIT.error});\n\t}\n\tvcpu_ready(${idx});`,
  createVcpu: (idx, id) => `(vcpu_fd[${idx}] = ioctl(vm_fd, KVM_CREATE_VCPU, ${id}UL))`,
  enableCap: (cap, flags, args) => {
    const a = [0, 1, 2, 3].map((i) => hex(args[i] ?? 0)).join(", ");
    return `ioctl(vm_fd, KVM_ENABLE_CAP, &(struct kvm_enable_cap){ .cap = ${cap}, .flags = ${flags}, .args = { ${a} } })`;
  },
  checkExtension: (on, cap) => `ioctl(${on === "system" ? "kvm_fd" : "vm_fd"}, KVM_CHECK_EXTENSION, (unsigned long)${cap})`,
  memslot: (call: Call, hva: string, gmemFd: string) => {
    const common = `.slot = ${Number(call.slot)}, .flags = ${Number(call.flags ?? 0)}, .guest_phys_addr = ${hex(Number(call.guest_phys_addr))}, .memory_size = ${hex(Number(call.memory_size))}, .userspace_addr = (__u64)${hva}`;
    if (call.ioctl === "KVM_SET_USER_MEMORY_REGION2") {
      const g = call.guest_memfd !== undefined ? `, .guest_memfd = (__u32)${gmemFd}, .guest_memfd_offset = 0` : "";
      return `ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &(struct kvm_userspace_memory_region2){ ${common}${g} })`;
    }
    return `ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &(struct kvm_userspace_memory_region){ ${common} })`;
  },
  runExpr: "ioctl(vcpu_fd[idx], KVM_RUN, 0)",
  must: (expr, what) =>
    `if ((${expr}) < 0) {\n\t\tfprintf(stderr, "setup: %s failed: %s\\n", ${JSON.stringify(what)}, strerror(errno));\n\t\texit(${REPRO_EXIT.error});\n\t}`,
  fail: (fmt, args) => [`fprintf(stderr, "${fmt}"${args ? `, ${args}` : ""});`, `exit(${REPRO_EXIT.error});`],
  skip: (why) => `printf("skip: %s\\n", "${why}");\n\treturn ${REPRO_EXIT.skip};`,
  requireOnVm: (cap, why) =>
    `\tif (ioctl(vm_fd, KVM_CHECK_EXTENSION, (unsigned long)${cap}) <= 0) {\n\t\tprintf("skip: %s\\n", "${why}");\n\t\texit(${REPRO_EXIT.skip});\n\t}`,
  require: (cap, why) =>
    `\tif (ioctl(kvm_fd, KVM_CHECK_EXTENSION, (unsigned long)${cap}) <= 0) {\n\t\tprintf("skip: %s\\n", "${why}");\n\t\texit(${REPRO_EXIT.skip});\n\t}`,
  finish: `\tif (result == ${REPRO_EXIT.reproduced})
		printf("REPRODUCED: the buggy outcome (exit ${REPRO_EXIT.reproduced})\\n");
	else if (result == ${REPRO_EXIT.internal})
		printf("the results match the counterexample's, but they are a documented outcome too: the violation is inside the kernel (exit ${REPRO_EXIT.internal})\\n");
	else
		printf("not reproduced: this kernel gave another outcome (exit ${REPRO_EXIT.documented})\\n");
	return result;`,
  createGmem: (size) => `ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &(struct kvm_create_guest_memfd){ .size = ${size} })`,
  codeSlot: `ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &(struct kvm_userspace_memory_region){ .slot = CODE_SLOT, .guest_phys_addr = CODE_GPA, .memory_size = 4096, .userspace_addr = (__u64)guest_code })`,
};

export function standaloneC(cx: Counterexample, subject: Subject, opts: ReproOptions = {}): string {
  return emitC(reproPlan(cx, subject), standalone, opts);
}
