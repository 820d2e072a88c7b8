/**
 * Real executions per second: the real backend (Node + koffi) against a C program that
 * makes the same syscalls for the same program, built here with the system cc into a
 * temporary directory (no binary is committed). Two programs:
 *
 *   run    vCPU 0 + a memslot (the fixture), then KVM_RUN of the IO guest: KVM_CREATE_VM,
 *          KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, mmap(kvm_run), KVM_SET_SIGNAL_MASK,
 *          KVM_GET/SET_SREGS, KVM_SET_REGS, timer_settime x2, KVM_RUN, munmap, close x2
 *   caps   KVM_CREATE_VM, KVM_ENABLE_CAP(X86_DISABLE_EXITS), KVM_CREATE_VCPU, close x2
 *
 * Like for like: each way of tearing down is measured in both languages. "at once"
 * closes each VM on the calling thread; "batched" hands VM fds to a second thread that
 * destroys them (the backend's default, src/real/closer.ts, and a pthread in the C
 * program doing the same dup3-then-close), so both sides use two threads there.
 *
 * Skipped (with a line saying why) without a usable KVM device or without cc.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Call } from "../src/kernel/rt/trace.js";
import { RealBackend } from "../src/real/backend.js";
import { devicePath, probeDevice } from "../src/real/device.js";
import { EXIT_REASON_FIXTURE } from "../src/real/exit-reasons.js";
import { IOCTL, SIZEOF } from "../src/real/uapi.js";

const C_SOURCE = (device: string) => `
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

/* Batched teardown, as src/real/closer.ts: a thread destroys VMs, at most 32 waiting. */
#define LIMIT 32
static int queue[LIMIT + 1], head, tail, pending, placeholder;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER, less = PTHREAD_COND_INITIALIZER;

static void *closer(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (head == tail) pthread_cond_wait(&more, &lock);
    int fd = queue[head]; head = (head + 1) % (LIMIT + 1);
    pthread_mutex_unlock(&lock);
    dup3(placeholder, fd, O_CLOEXEC); /* the VM is destroyed; the number stays taken */
    close(fd);
    pthread_mutex_lock(&lock);
    pending--;
    pthread_cond_broadcast(&less);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void close_vm(int batched, int fd) {
  if (!batched) { close(fd); return; }
  pthread_mutex_lock(&lock);
  while (pending >= LIMIT) pthread_cond_wait(&less, &lock);
  queue[tail] = fd; tail = (tail + 1) % (LIMIT + 1); pending++;
  pthread_cond_signal(&more);
  pthread_mutex_unlock(&lock);
}

static void flush(void) {
  pthread_mutex_lock(&lock);
  while (pending > 0) pthread_cond_wait(&less, &lock);
  pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv) {
  int caps = strcmp(argv[1], "caps") == 0;
  double secs = atof(argv[2]);
  int batched = atoi(argv[3]);
  pthread_t closer_thread;
  placeholder = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (batched) pthread_create(&closer_thread, NULL, closer, NULL);
  int kvm = open("${device}", O_RDWR | O_CLOEXEC);
  if (kvm < 0) { perror("open"); return 2; }
  int mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  unsigned char *arena = mmap(0, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  unsigned char code[] = { 0xe6, 0x10, 0xeb, 0xfc };
  memcpy(arena + 0x1000, code, sizeof code);
  sigset_t kick; sigemptyset(&kick); sigaddset(&kick, SIGUSR2);
  sigset_t old; pthread_sigmask(SIG_BLOCK, &kick, &old);
  struct sigevent sev = { 0 }; sev.sigev_signo = SIGUSR2; sev.sigev_notify = SIGEV_THREAD_ID; sev._sigev_un._tid = gettid();
  timer_t timer; timer_create(CLOCK_MONOTONIC, &sev, &timer);
  struct itimerspec arm = { { 0, 0 }, { 0, 50000000 } }, disarm = { 0 };
  struct { __u32 len; __u8 set[8]; } mask = { 8 };
  memcpy(mask.set, &old, 8); mask.set[(SIGUSR2 - 1) / 8] &= ~(1 << ((SIGUSR2 - 1) % 8));
  long n = 0; double t0 = now();
  while (now() - t0 < secs) {
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (caps) {
      struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_DISABLE_EXITS, .args = { 2 } };
      ioctl(vm, KVM_ENABLE_CAP, &cap);
      int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
      close(vcpu);
    } else {
      int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
      struct kvm_userspace_memory_region r = { 0, 0, 0, 0x2000, (unsigned long)arena };
      ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
      struct kvm_run *run = mmap(0, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
      ioctl(vcpu, KVM_SET_SIGNAL_MASK, &mask);
      struct kvm_sregs sregs; ioctl(vcpu, KVM_GET_SREGS, &sregs);
      sregs.cs.base = 0; sregs.cs.selector = 0; ioctl(vcpu, KVM_SET_SREGS, &sregs);
      struct kvm_regs regs = { 0 }; regs.rip = 0x1000; regs.rflags = 2; ioctl(vcpu, KVM_SET_REGS, &regs);
      run->immediate_exit = 0;
      timer_settime(timer, 0, &arm, 0);
      if (ioctl(vcpu, KVM_RUN, 0) != 0 || run->exit_reason != KVM_EXIT_IO) { fprintf(stderr, "run failed\\n"); return 1; }
      timer_settime(timer, 0, &disarm, 0);
      munmap(run, mmap_size);
      close(vcpu);
    }
    close_vm(batched, vm);
    n++;
  }
  flush();
  printf("%ld %f\\n", n, now() - t0);
  return 0;
}
`;

function nodeRate(b: RealBackend, calls: Call[], fixture: Call[], secs: number): number {
  b.execute(calls, fixture);
  b.flush();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < secs * 1000) {
    b.execute(calls, fixture);
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

export function benchReal(secs = 3): void {
  const device = devicePath();
  const probe = probeDevice(device);
  if (!probe.available) return console.log(`real: skipped (${probe.why})`);
  if (spawnSync("cc", ["--version"]).status !== 0) return console.log("real: skipped (no cc to build the C comparison)");
  // The C program uses the same numbers as the backend (checked in test/real-uapi.test.ts).
  if (IOCTL.KVM_RUN !== 0xae80 || SIZEOF.kvm_regs !== 144) throw new Error("uapi table changed");
  const dir = mkdtempSync(join(tmpdir(), "kvm-bench-"));
  try {
    writeFileSync(join(dir, "bench.c"), C_SOURCE(device));
    execFileSync("cc", ["-O2", "-pthread", "-o", join(dir, "bench"), join(dir, "bench.c")]);
    // The same syscalls in the same order (closing each VM at once), and the backend's default: VMs closed on a teardown thread.
    const atOnce = new RealBackend({ device, watchdogMs: 50, batchTeardown: false });
    const batched = new RealBackend({ device, watchdogMs: 50 });
    const programs: [string, Call[], Call[]][] = [
      ["run", [{ ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 0, guest: "io" }], [...EXIT_REASON_FIXTURE]],
      [
        "caps",
        [
          { ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_X86_DISABLE_EXITS", flags: 0, args: [2] },
          { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 },
        ],
        [],
      ],
    ];
    const cRate = (name: string, batchedTeardown: boolean): number => {
      const out = execFileSync(join(dir, "bench"), [name, String(secs), batchedTeardown ? "1" : "0"], { encoding: "utf8" });
      const [n, s] = out.trim().split(" ").map(Number) as [number, number];
      return n / s;
    };
    for (const [name, calls, fixture] of programs) {
      const node = nodeRate(atOnce, calls, fixture, secs);
      const c = cRate(name, false);
      const nodeBatched = nodeRate(batched, calls, fixture, secs);
      batched.flush();
      const cBatched = cRate(name, true);
      console.log(
        `real ${name}: closing at once (1 thread each): C ${Math.round(c)}/s, node ${Math.round(node)}/s (node/C ${(node / c).toFixed(2)}); ` +
          `batched teardown (2 threads each): C ${Math.round(cBatched)}/s, node ${Math.round(nodeBatched)}/s (node/C ${(nodeBatched / cBatched).toFixed(2)})`,
      );
    }
    atOnce.close();
    batched.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchReal();
