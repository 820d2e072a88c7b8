/**
 * Writes a reproducer C program from a plan. The two styles share everything but how
 * a VM, a vCPU, a memslot or an ioctl is spelled: the kernel's KVM selftest library
 * (selftest.ts) or bare ioctls on <linux/kvm.h> (standalone.ts). That spelling is a
 * `Dialect`; the structure (per-call comments with the documented and the buggy
 * outcome, threads, barriers, spin flags, the verdict) is here.
 */
import type { Call } from "../../kernel/rt/trace.js";
import { errnoName } from "../../kernel/uapi/errno.js";
import { exitName } from "../../kernel/uapi/exits.js";
import { describeCall } from "../../program/describe.js";
import type { Arch, ReproCall, ReproPlan } from "./plan.js";
import { printable } from "../../program/schema.js";
import { capDefines, capIdent } from "./uapi.js";
import { X86_CODE_GPA, X86_CODE_SLOT, X86_GUEST_CODE, X86_MAILBOX, X86_SCRIPT_NAMES, MMIO_GPA, x86Script } from "./x86-guest.js";

/** Exit statuses of a standalone reproducer (4 is the selftests' KSFT_SKIP). */
export const REPRO_EXIT = { reproduced: 0, documented: 1, error: 2, internal: 3, skip: 4 } as const;

/** Seconds the racy part of a multi-thread reproducer repeats for, unless told a number of iterations. */
export const RACE_SECONDS = 5;

/** How long a multi-thread reproducer races: a fixed number of iterations, else RACE_SECONDS. */
export interface ReproOptions {
  readonly iterations?: number;
}

export interface Dialect {
  readonly style: "selftest" | "standalone";
  readonly includes: string;
  /**
   * Globals and helpers the rest uses: `vcpu_ready(idx)` (fill vcpu_fd[idx] and
   * kvm_runs[idx] once the vCPU exists, then call guest_setup(idx)) and
   * `teardown_vm()`.
   */
  readonly helpers: string;
  /** Statements: create the VM. */
  readonly createVm: string;
  /** Expression: the VM fd. */
  readonly vmFd: string;
  /** Expression: the /dev/kvm fd (opened in setup_host). */
  readonly kvmFd: string;
  /** Statements in setup_host (open /dev/kvm...). */
  readonly hostInit: string;
  /** Fixture vCPU: statements that must succeed and leave the vCPU ready. */
  fixtureVcpu(idx: number, id: number): string;
  /** Program KVM_CREATE_VCPU: an expression giving the ioctl's return (fd or -1), storing the fd in vcpu_fd[idx]. */
  createVcpu(idx: number, id: number, expectSuccess: boolean): string;
  enableCap(cap: string, flags: number, args: readonly number[]): string;
  checkExtension(on: "vm" | "system", cap: string): string;
  memslot(call: Call, hva: string, gmemFd: string): string;
  /** Expression: KVM_RUN on vCPU `idx` (a C variable). */
  readonly runExpr: string;
  /** Statements: a fixture call that must succeed (`zero`: it returns 0 on success). */
  must(expr: string, what: string, zero: boolean): string;
  /** Statements, one per element: fail the setup with a message (printf-style arguments). */
  fail(fmt: string, args?: string): readonly string[];
  /** Statements: skip (the host cannot run this). */
  skip(why: string): string;
  /** Statements: skip unless the host has capability `cap`. */
  require(cap: string, why: string): string;
  /** Statements: skip unless the VM just created has capability `cap` (KVM_CHECK_EXTENSION on the VM fd). */
  requireOnVm(cap: string, why: string): string;
  /** Statements at the end of main: act on `result` (an exit status as verdict() gives). */
  readonly finish: string;
  /** Expression: create a guest_memfd of `size` bytes. */
  createGmem(size: string): string;
  /** Expression: set the x86 guest's code memslot (CODE_SLOT at CODE_GPA, guest_code). */
  readonly codeSlot: string;
}

const ARCH_MACRO: Record<Arch, string> = { x86: "__x86_64__", arm64: "__aarch64__", riscv: "__riscv" };
const ARCH_NAME: Record<Arch, string> = { x86: "an x86-64", arm64: "an arm64", riscv: "a riscv" };

/** A C string literal (no trigraphs). */
export const cstr = (s: string): string => JSON.stringify(s).replace(/\?\?/g, "?\\?");
const comment = (s: string): string => s.replace(/\*\//g, "* /");
/**
 * A number as C. Calls reach here validated (program/schema.ts); anything but a whole
 * number from 0 to 2^53 - 1 is a bug upstream, and is refused rather than pasted into C.
 */
export const hex = (n: number): string => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`a reproducer formats whole numbers from 0 only, not ${printable(String(n))}`);
  return `0x${n.toString(16)}ULL`;
};

/** `if (bad)` and the dialect's failure, in braces only when it takes more than one statement (kernel style). */
function failIf(d: Dialect, bad: string, fmt: string, args: string | undefined, indent: string): string {
  const body = d.fail(fmt, args).map((st) => `${indent}\t${st}`);
  return body.length === 1 ? `${indent}if (${bad})\n${body[0]}` : `${indent}if (${bad}) {\n${body.join("\n")}\n${indent}}`;
}

/** Wraps text to `width` columns, each line prefixed. */
function wrap(text: string, prefix: string, width = 96): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of comment(text).split(/\s+/)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      out.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(prefix + line);
  return out;
}

/** vCPU ids the program and fixture use, in a fixed order: index = position. */
function vcpuIds(plan: ReproPlan): number[] {
  const ids = new Set<number>();
  for (const c of [...plan.fixture, ...plan.calls.map((x) => x.call)]) {
    if (c.ioctl === "KVM_CREATE_VCPU") ids.add(Number(c.id));
    if (c.ioctl === "KVM_RUN") ids.add(Number((c.fd as { vcpu: number }).vcpu));
  }
  return [...ids];
}

/** Host buffers for memslots: one per page-aligned userspace_addr, as large as the largest slot using it. */
function hostBuffers(plan: ReproPlan): { base: number; size: number }[] {
  const bufs = new Map<number, number>();
  for (const c of [...plan.fixture, ...plan.calls.map((x) => x.call)]) {
    if (c.ioctl !== "KVM_SET_USER_MEMORY_REGION" && c.ioctl !== "KVM_SET_USER_MEMORY_REGION2") continue;
    const ua = Number(c.userspace_addr);
    const base = ua - (ua % 4096);
    bufs.set(base, Math.max(bufs.get(base) ?? 4096, Number(c.memory_size) + (ua - base)));
  }
  return [...bufs].map(([base, size]) => ({ base, size }));
}

function gmemSize(plan: ReproPlan): number {
  let size = 0;
  for (const c of [...plan.fixture, ...plan.calls.map((x) => x.call)])
    if (c.ioctl === "KVM_SET_USER_MEMORY_REGION2" && c.guest_memfd !== undefined) size = Math.max(size, Number(c.memory_size));
  return size;
}

interface Ctx {
  readonly plan: ReproPlan;
  readonly d: Dialect;
  readonly ids: number[];
  readonly bufs: { base: number; size: number }[];
  readonly x86Run: boolean;
}

function hvaOf(ctx: Ctx, call: Call): string {
  const ua = Number(call.userspace_addr);
  const base = ua - (ua % 4096);
  const k = ctx.bufs.findIndex((b) => b.base === base);
  return `(void *)((char *)host_mem[${k}] + ${ua - base})`;
}

/** The C statements of one call (program or fixture); `slot` < 0 for fixture calls. */
function callC(ctx: Ctx, call: Call, slot: number, fixture: boolean, expectOk = true): string {
  const { d } = ctx;
  const rec = (expr: string) => (fixture ? expr : `RECORD(${slot}, ${expr})`);
  const must = (expr: string, what: string) => d.must(expr, what, call.ioctl !== "KVM_CHECK_EXTENSION");
  switch (call.ioctl) {
    case "KVM_ENABLE_CAP": {
      const args = ((call.args as number[]) ?? []).slice(0, 4);
      const e = d.enableCap(capIdent(call.cap), Number(call.flags ?? 0), args);
      return fixture ? must(e, describeCall(call)) : `${rec(e)};`;
    }
    case "KVM_CHECK_EXTENSION": {
      const e = d.checkExtension(call.fd === "system" ? "system" : "vm", capIdent(call.cap));
      return fixture ? must(e, describeCall(call)) : `${rec(e)};`;
    }
    case "KVM_CREATE_VCPU": {
      const id = Number(call.id);
      const idx = ctx.ids.indexOf(id);
      if (fixture) return d.fixtureVcpu(idx, id);
      return `${rec(d.createVcpu(idx, id, expectOk))};\n\tif (got[${slot}].ret >= 0)\n\t\tvcpu_ready(${idx});`;
    }
    case "KVM_SET_USER_MEMORY_REGION":
    case "KVM_SET_USER_MEMORY_REGION2": {
      const e = d.memslot(call, hvaOf(ctx, call), "gmem_fd");
      return fixture ? must(e, describeCall(call)) : `${rec(e)};`;
    }
    case "KVM_RUN": {
      const v = Number((call.fd as { vcpu: number }).vcpu);
      const ie = Number(call.immediate_exit ?? 0);
      const regs = call.kvm_valid_regs === undefined ? "-1" : hex(Number(call.kvm_valid_regs));
      const script = ctx.plan.arch === "x86" ? x86Script(call.guest, ie !== 0) : -1;
      return `run_vcpu(${slot}, ${ctx.ids.indexOf(v)}, ${ie}, ${regs}, ${script});`;
    }
    case "pthread_kill":
      return `kick(${slot}, ${Number(call.thread)});`;
    case "KVM_CREATE_IRQCHIP":
      return `${rec(`ioctl(${d.vmFd}, KVM_CREATE_IRQCHIP, 0)`)};`;
    case "KVM_SET_BOOT_CPU_ID":
      return `${rec(`ioctl(${d.vmFd}, KVM_SET_BOOT_CPU_ID, ${Number(call.id)}UL)`)};`;
    default:
      return `#error ${cstr(`kvm-ordercheck cannot write ${call.ioctl} in C yet`)}`;
  }
}

function callComment(c: ReproCall, plan: ReproPlan): string[] {
  const lines = [`\t/* T${c.tid} call ${c.index}: ${comment(c.said)}`];
  lines.push(...wrap(`buggy (what the execution gave): ${c.buggy}`, "\t *   "));
  lines.push(...wrap(`documented (what the reference model accepts): ${c.documented}`, "\t *   "));
  for (const ch of c.choices) lines.push(...wrap(`the model's kernel took ${ch} here (a host condition this program cannot force)`, "\t *   "));
  for (const w of c.waits)
    lines.push(`\t *   starts after T${w.tid}'s call ${w.index} has ${w.on === "return" ? "returned" : "started"}`);
  if (c.call.ioctl === "KVM_RUN" && plan.arch === "x86") {
    const s = x86Script(c.call.guest, Number(c.call.immediate_exit ?? 0) !== 0);
    lines.push(`\t *   guest: ${s < 0 ? "not entered (immediate_exit)" : X86_SCRIPT_NAMES[s]}`);
  }
  lines.push("\t */");
  return lines;
}

function slotOf(plan: ReproPlan, tid: number, index: number): number {
  return plan.threads[tid]![index]!.slot;
}

function threadBody(ctx: Ctx, tid: number): string {
  const { plan } = ctx;
  const multi = plan.threads.length > 1;
  const out: string[] = [`static void program_T${tid}(void)\n{`];
  for (const c of plan.threads[tid]!) {
    out.push(...callComment(c, plan));
    if (multi) {
      for (const w of c.waits) out.push(`\twait_${w.on === "return" ? "returned" : "started"}(${slotOf(plan, w.tid, w.index)});`);
      out.push(`\tatomic_store(&started[${c.slot}], 1);`);
    }
    out.push(`\t${callC(ctx, c.call, c.slot, false, (c.result?.r ?? 0) >= 0)}`);
    if (multi) out.push(`\tatomic_store(&returned[${c.slot}], 1);`);
  }
  out.push("}");
  return out.join("\n");
}

/** The want table: what the counterexample's execution gave for each call. */
function wantTable(plan: ReproPlan): string {
  const rows = plan.calls.map((c) => {
    const r = c.result;
    const what = cstr(`T${c.tid}: ${c.said}`);
    if (!r) return `\t{ ${what}, 0, 0, 0, 0, -1, 0, 0 },`;
    const exit = c.call.ioctl === "KVM_RUN" && r.run ? Number(r.run.exit_reason) : -1;
    const gpa = exit === 39 ? Number(r.run?.["memory_fault.gpa"] ?? 0) : 0;
    // A successful KVM_CREATE_VCPU returns an fd, whose number is not the model's: any >= 0 is success.
    const anyFd = c.call.ioctl === "KVM_CREATE_VCPU" && r.r >= 0 ? 1 : 0;
    const ret = r.r < 0 ? -1 : r.r;
    const err = r.r < 0 ? -r.r : 0;
    return `\t{ ${what}, 1, ${ret}, ${err}, ${anyFd}, ${exit}, ${exit === 39 ? 1 : 0}, ${hex(gpa)} },`;
  });
  return `/* What the counterexample's execution gave, call by call (the buggy outcome). */
static const struct want {
	const char *what;
	int returns;		/* 0: the model's kernel never returned from this call */
	long ret;		/* -1 with err, or the value */
	int err;
	int any_fd;		/* a successful KVM_CREATE_VCPU: any fd */
	int exit_reason;	/* KVM_RUN: kvm_run->exit_reason, -1: not compared */
	int check_gpa;
	unsigned long long gpa;	/* KVM_EXIT_MEMORY_FAULT: memory_fault.gpa */
} want[NCALLS] = {
${rows.join("\n")}
};`;
}

function header(plan: ReproPlan, d: Dialect, opts: ReproOptions): string {
  // A selftest links the kernel's GPL-2.0 selftest library and goes into the tree: its first line is the kernel's SPDX tag.
  const lines: string[] = d.style === "selftest" ? ["// SPDX-License-Identifier: GPL-2.0-only", "/*"] : ["/*"];
  lines.push(` * kvm-ordercheck reproducer (${d.style} style): ${plan.target}@${plan.variant}, property ${plan.property}`);
  lines.push(" *");
  lines.push(...wrap(plan.message, " * "));
  lines.push(" *");
  lines.push(...wrap(`Variant: ${plan.patch.title} (${plan.patch.date}, <${plan.patch.messageId}>)`, " * "));
  lines.push(...wrap(`Replay in the model: kvm-ordercheck replay ${plan.replay}`, " * ", 4096));
  if (plan.fixture.length) lines.push(...wrap(`Every program starts from: ${plan.fixture.map(describeCall).join("; ")}`, " * "));
  lines.push(" * Program:");
  for (const [tid, t] of plan.threads.entries()) lines.push(...wrap(`T${tid}: ${t.map((c) => c.said).join("; ")}`, " *   "));
  lines.push(" *");
  lines.push(...wrap("Each call below carries, in its comment, the buggy outcome (what the model's execution of this variant gave) and the documented one (what the reference model of the documented contract accepts at that point).", " * "));
  if (!plan.observable)
    lines.push(
      " *",
      ...wrap(
        "The violation is inside the kernel (a configuration changed under a reader, a lock not held): the same results are also a documented outcome in some order of the calls, so matching results only say that the interleaving was reached. On a kernel built with CONFIG_PROVE_LOCKING, look for lockdep splats in dmesg.",
        " * ",
      ),
    );
  if (plan.threads.length > 1)
    lines.push(
      " *",
      ...wrap(
        `Threads: one pthread per program thread. They start together, released by spinning on a shared counter (not by leaving a barrier, which gives one thread a syscall's head start), and spin flags hold each call until the calls that returned before it began in the counterexample have returned; calls that overlapped there start together (a signal waits for the call it interrupts to start). Where the counterexample preempts a kernel path between two of its steps, userspace cannot steer: the racy part repeats, each time on a fresh VM, ${opts.iterations ? `${opts.iterations} times` : `for ${RACE_SECONDS} seconds`} (argv[1]: a number of iterations instead), and the program prints how often it gave the counterexample's results.`,
        " * ",
      ),
    );
  if (plan.needs.length)
    lines.push(" *", ...wrap(`Userspace cannot force everything this counterexample needs: ${plan.needs.join("; ")}. Without it the program does not reproduce the outcome and exits as a skip (${REPRO_EXIT.skip}, KSFT_SKIP), saying so.`, " * "));
  lines.push(" *");
  if (d.style === "standalone")
    lines.push(
      ...wrap(
        `Exit status: ${REPRO_EXIT.reproduced} the buggy outcome reproduced; ${REPRO_EXIT.documented} it did not (the documented outcome); ${REPRO_EXIT.internal} the results match but the violation is not visible from userspace; ${REPRO_EXIT.error} setup failed; ${REPRO_EXIT.skip} (KSFT_SKIP) this host cannot run it.`,
        " * ",
      ),
      ` * Build: cc -Wall -pthread -o repro repro.c   (needs only <linux/kvm.h> and libc)`,
    );
  else
    lines.push(
      ...wrap(
        "As a selftest it asserts the documented contract: it fails (TEST_ASSERT) when the buggy outcome reproduces and passes otherwise. `kvm-ordercheck replay <token> --kernel-tree <linux>` puts it in tools/testing/selftests/kvm/ with its line in the Makefile's TEST_GEN_PROGS for the architecture.",
        " * ",
      ),
    );
  lines.push(" */");
  return lines.join("\n");
}

function hostSetup(ctx: Ctx): string {
  const { plan, d } = ctx;
  const out: string[] = [];
  if (d.hostInit) out.push(d.hostInit);
  if (gmemSize(plan) > 0) out.push(d.require("KVM_CAP_GUEST_MEMFD", "needs guest_memfd (KVM_CAP_GUEST_MEMFD)"));
  for (const c of plan.caps)
    if (c.source.startsWith("the patch")) out.push(d.require(c.name, `needs a kernel with ${plan.patch.title} (${c.name})`));
  for (const [k, b] of ctx.bufs.entries())
    out.push(
      `\thost_mem[${k}] = mmap(NULL, ${b.size}UL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);`,
      failIf(d, `host_mem[${k}] == MAP_FAILED`, "setup: mmap of guest memory failed: %s\\n", "strerror(errno)", "\t"),
    );
  if (ctx.x86Run)
    out.push(
      `\tguest_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);`,
      failIf(d, "guest_code == MAP_FAILED", "setup: mmap of the guest code failed: %s\\n", "strerror(errno)", "\t"),
      `\tmemcpy(guest_code, x86_guest, sizeof(x86_guest));`,
    );
  if (plan.signals)
    out.push(
      "\t/* SIGUSR1 stays blocked in userspace; KVM_SET_SIGNAL_MASK unblocks it inside KVM_RUN, so a",
      "\t * pthread_kill() is pending until the vCPU thread's next KVM_RUN, as in the model. */",
      "\t{\n\t\tstruct sigaction sa;\n\t\tsigset_t set;\n",
      "\t\tmemset(&sa, 0, sizeof(sa));\n\t\tsa.sa_handler = on_kick;\n\t\tsigaction(SIGUSR1, &sa, NULL);",
      "\t\tsigemptyset(&set);\n\t\tsigaddset(&set, SIGUSR1);\n\t\tpthread_sigmask(SIG_BLOCK, &set, NULL);\n\t}",
    );
  return out.join("\n");
}

function vmSetup(ctx: Ctx): string {
  const { plan, d } = ctx;
  const out: string[] = [`\t${d.createVm.split("\n").join("\n\t")}`];
  if (ctx.x86Run) {
    out.push(`\t/* The guest's code, in a memslot of its own (see x86_guest). */`);
    out.push(failIf(d, `${d.codeSlot} < 0`, "setup: the guest code memslot failed: %s\\n", "strerror(errno)", "\t"));
  }
  const gsize = gmemSize(plan);
  if (gsize > 0) {
    // Which VMs may have guest_memfd is per VM type: until 6.18, only those with private
    // memory (KVM_X86_SW_PROTECTED_VM...), not the default one these programs create.
    out.push(d.requireOnVm("KVM_CAP_GUEST_MEMFD", "this kernel has no guest_memfd for a VM of the default type (KVM_CAP_GUEST_MEMFD on the VM is 0)"));
    out.push(`\tgmem_fd = ${d.createGmem(`${gsize}UL`)};`);
    out.push(failIf(d, "gmem_fd < 0", "setup: KVM_CREATE_GUEST_MEMFD failed: %s\\n", "strerror(errno)", "\t"));
  }
  for (const c of plan.fixture) {
    out.push(`\t/* fixture: ${comment(describeCall(c))} */`);
    out.push(`\t${callC(ctx, c, -1, true)}`);
  }
  return out.join("\n");
}

export function emitC(plan: ReproPlan, d: Dialect, opts: ReproOptions = {}): string {
  const ids = vcpuIds(plan);
  const ctx: Ctx = { plan, d, ids, bufs: hostBuffers(plan), x86Run: plan.arch === "x86" && plan.hasRun };
  const n = plan.calls.length;
  const multi = plan.threads.length > 1;
  const parts: string[] = [];
  parts.push(header(plan, d, opts));
  parts.push(d.includes);
  // The selftest library's <linux/compiler.h> (tools/include) has __maybe_unused; libc does not.
  if (d.style === "standalone") parts.push("#ifndef __maybe_unused\n#define __maybe_unused __attribute__((__unused__))\n#endif");
  parts.push(capDefines(plan.caps));
  parts.push(`#define NCALLS ${n}${multi ? `\n#define SECONDS ${RACE_SECONDS}` : ""}\n#define NVCPUS ${Math.max(ids.length, 1)}\n#define NTHREADS ${plan.threads.length}\n#define NBUFS ${Math.max(ctx.bufs.length, 1)}`);
  parts.push(`/* What this run gave, call by call. */
static struct outcome {
	int returned;
	long ret;
	int err;
	int exit_reason;	/* KVM_RUN: kvm_run->exit_reason after the return */
	int exit_before;	/* KVM_RUN: kvm_run->exit_reason before the call */
	unsigned long long gpa;	/* KVM_RUN: memory_fault.gpa after the return */
} got[NCALLS];

#define RECORD(slot, expr)						\\
	do {								\\
		long __r = (long)(expr);				\\
		got[slot].err = __r < 0 ? errno : 0;			\\
		got[slot].ret = __r < 0 ? -1 : __r;			\\
		got[slot].returned = 1;					\\
	} while (0)

static __maybe_unused void *host_mem[NBUFS];
static __maybe_unused int gmem_fd = -1;
static __maybe_unused unsigned char *guest_code;
static __maybe_unused pthread_t thread_of[NTHREADS];
static __maybe_unused atomic_int started[NCALLS], returned[NCALLS];
static __maybe_unused int vcpu_fd[NVCPUS];
static __maybe_unused struct kvm_run *kvm_runs[NVCPUS];

#define WATCHDOG_SECONDS 30

/* A KVM_RUN whose guest spins without a signal never returns: give up, loudly. */
static void on_watchdog(int sig)
{
	static const char msg[] = "timed out: a call did not return within WATCHDOG_SECONDS\\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(${REPRO_EXIT.error});
	_exit(${REPRO_EXIT.error});
}

static __maybe_unused void on_kick(int sig)
{
	(void)sig;
}

/* Consume a SIGUSR1 pending on this thread (KVM_RUN returned -EINTR for it, as the model's run consumes it). */
static __maybe_unused void drain_kicks(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigtimedwait(&set, NULL, &zero) == SIGUSR1)
		;
}`);
  parts.push(wantTable(plan));
  if (ctx.x86Run)
    parts.push(`/*
 * The x86 real-mode guest (src/report/repro/x86-guest.ts): a dispatcher on the mailbox at
 * cs:${hex(X86_MAILBOX)}; 0 spins, 1 loads guest_memfd memory then stores to MMIO, 2 stores to MMIO.
 */
#define CODE_GPA ${hex(X86_CODE_GPA)}
#define CODE_SLOT ${X86_CODE_SLOT}
#define MMIO_GPA ${hex(MMIO_GPA)}
#define MAILBOX ${hex(X86_MAILBOX)}
static const unsigned char x86_guest[] = { ${X86_GUEST_CODE.map((b) => `0x${b.toString(16).padStart(2, "0")}`).join(", ")} };`);
  parts.push(guestSetupC(ctx));
  parts.push(d.helpers);
  parts.push(runVcpuC(ctx));
  if (multi)
    parts.push(`static __maybe_unused void wait_started(int slot)
{
	while (!atomic_load(&started[slot]))
		sched_yield();
}

static __maybe_unused void wait_returned(int slot)
{
	while (!atomic_load(&returned[slot]))
		sched_yield();
}`);
  parts.push(`static __maybe_unused void kick(int slot, int thread)
{
	int e = pthread_kill(thread_of[thread], SIGUSR1);

	got[slot].returned = 1;
	got[slot].ret = e ? -1 : 0;
	got[slot].err = e;
}`);
  for (const tid of plan.threads.keys()) parts.push(threadBody(ctx, tid));
  parts.push(`static void setup_host(void)\n{\n${hostSetup(ctx) || "\t/* nothing to set up */"}\n}`);
  parts.push(`static void setup_vm(void)\n{\n${vmSetup(ctx)}\n}`);
  parts.push(judge(plan));
  parts.push(mainC(ctx, opts));
  return `${parts.join("\n\n")}\n`;
}

/** guest_setup(idx): the registers the x86 guest starts from, and the vCPU's signal mask. */
function guestSetupC(ctx: Ctx): string {
  const body: string[] = [];
  if (ctx.x86Run)
    body.push(`#if defined(__x86_64__)
	{
		struct kvm_sregs sregs;
		struct kvm_regs regs;

		/* Real mode, code at CODE_GPA (cs.base), data at 0 (ds), MMIO_GPA through es. */
${failIf(ctx.d, "ioctl(vcpu_fd[idx], KVM_GET_SREGS, &sregs) < 0", "setup: KVM_GET_SREGS failed: %s\\n", "strerror(errno)", "\t\t")}
		sregs.cs.base = CODE_GPA;
		sregs.cs.selector = 0;
		sregs.ds.base = 0;
		sregs.ds.selector = 0;
		sregs.es.base = MMIO_GPA;
		sregs.es.selector = 0;
${failIf(ctx.d, "ioctl(vcpu_fd[idx], KVM_SET_SREGS, &sregs) < 0", "setup: KVM_SET_SREGS failed: %s\\n", "strerror(errno)", "\t\t")}
		memset(&regs, 0, sizeof(regs));
		regs.rip = 0;
		regs.rflags = 2;
${failIf(ctx.d, "ioctl(vcpu_fd[idx], KVM_SET_REGS, &regs) < 0", "setup: KVM_SET_REGS failed: %s\\n", "strerror(errno)", "\t\t")}
	}
#endif`);
  if (ctx.plan.signals)
    body.push(`	{
		/* Inside KVM_RUN nothing is blocked: a pending SIGUSR1 makes it return -EINTR. */
		struct {
			struct kvm_signal_mask head;
			unsigned char set[8];
		} mask;

		memset(&mask, 0, sizeof(mask));
		mask.head.len = 8; /* the kernel's sigset_t on 64-bit */
${failIf(ctx.d, "ioctl(vcpu_fd[idx], KVM_SET_SIGNAL_MASK, &mask.head) < 0", "setup: KVM_SET_SIGNAL_MASK failed: %s\\n", "strerror(errno)", "\t\t")}
	}`);
  if (!body.length) body.push("	(void)idx;");
  return `static __maybe_unused void guest_setup(int idx)
{
${body.join("\n")}
}`;
}

function runVcpuC(ctx: Ctx): string {
  return `/* KVM_RUN as the program states it: immediate_exit, kvm_valid_regs (when given) and what the guest does. */
static __maybe_unused void run_vcpu(int slot, int idx, int immediate_exit, long long valid_regs, int script)
{
	struct kvm_run *run = kvm_runs[idx];

	if (!run) {
		/* The vCPU does not exist in this run: KVM_RUN on no vCPU fd. */
		RECORD(slot, ioctl(-1, KVM_RUN, 0));
		got[slot].exit_reason = -1;
		return;
	}
${ctx.x86Run ? "\tif (script >= 0)\n\t\tguest_code[MAILBOX] = (unsigned char)script;\n" : "\t(void)script;\n"}	run->immediate_exit = (__u8)immediate_exit;
	if (valid_regs >= 0)
		run->kvm_valid_regs = (__u64)valid_regs;
	got[slot].exit_before = (int)run->exit_reason;
	RECORD(slot, ${ctx.d.runExpr});
	got[slot].exit_reason = (int)run->exit_reason;
	if (run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
		struct repro_memory_fault mf;

		memcpy(&mf, &run->hw, sizeof(mf));
		got[slot].gpa = mf.gpa;
	}
${ctx.plan.signals ? "\tif (got[slot].ret < 0 && got[slot].err == EINTR && !immediate_exit)\n\t\tdrain_kicks();\n" : ""}}`;
}

function judge(plan: ReproPlan): string {
  const errnos = [1, 2, 3, 4, 5, 6, 9, 11, 12, 14, 16, 17, 22, 25, 28, 38, 133];
  return `static __maybe_unused const char *errno_name(int err)
{
	switch (err) {
${errnos.map((e) => `\tcase ${e}: return "${errnoName(e)}";`).join("\n")}
	default: return strerror(err);
	}
}

static __maybe_unused const char *exit_name(int reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_IO: return "KVM_EXIT_IO";
	case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	case KVM_EXIT_INTR: return "KVM_EXIT_INTR";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_MEMORY_FAULT: return "KVM_EXIT_MEMORY_FAULT";
	default: return "another exit";
	}
}

static __maybe_unused void say_result(const char *who, int returns, long ret, int err, int exit_reason)
{
	if (!returns) {
		printf("%s never returns", who);
		return;
	}
	if (ret < 0)
		printf("%s -1 %s", who, errno_name(err));
	else
		printf("%s %ld", who, ret);
	if (exit_reason >= 0)
		printf(", exit_reason %d (%s)", exit_reason, exit_name(exit_reason));
}

/* Does call i's result match the counterexample's? Prints the comparison when verbose. */
static int call_matches(int i, int verbose)
{
	const struct want *w = &want[i];
	const struct outcome *g = &got[i];
	int ok;

	if (!w->returns)
		ok = 0; /* it returned here: the model's kernel did not */
	else if (!g->returned)
		ok = 0;
	else if (w->ret < 0)
		ok = g->ret < 0 && g->err == w->err;
	else
		ok = w->any_fd ? g->ret >= 0 : g->ret == w->ret;
	if (ok && w->exit_reason >= 0)
		ok = g->exit_reason == w->exit_reason && (!w->check_gpa || g->gpa == w->gpa);
	if (verbose) {
		printf("  %-60s ", w->what);
		if (g->returned)
			say_result("got", 1, g->ret, g->err, w->exit_reason >= 0 ? g->exit_reason : -1);
		else
			printf("got nothing (not run)");
		say_result(" | counterexample", w->returns, w->ret, w->err, w->exit_reason);
		printf(" | %s\\n", ok ? "same" : "differs");
		if (g->returned && w->exit_reason >= 0 && g->exit_before == g->exit_reason && g->ret < 0)
			printf("  %-60s exit_reason %d (%s) is the one the previous KVM_RUN left: stale\\n", "",
			       g->exit_reason, exit_name(g->exit_reason));
	}
	return ok;
}

/* ${REPRO_EXIT.reproduced}: the buggy outcome; ${REPRO_EXIT.documented}: not; ${REPRO_EXIT.internal}: matched, but the violation is not visible from userspace. */
static int verdict(int verbose)
{
	int all = 1;

	for (int i = 0; i < NCALLS; i++)
		all &= call_matches(i, verbose);
	if (!all)
		return ${REPRO_EXIT.documented};
	return ${plan.observable ? REPRO_EXIT.reproduced : REPRO_EXIT.internal};
}`;
}

function mainC(ctx: Ctx, opts: ReproOptions): string {
  const { plan, d } = ctx;
  const multi = plan.threads.length > 1;
  const guard = ARCH_MACRO[plan.arch];
  const out: string[] = [];
  if (multi) {
    out.push(`static pthread_barrier_t ready, finished;
static atomic_int arrived, stop;

static inline void spin_pause(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#endif
}

/*
 * Each iteration the threads wake from the ready barrier (the VM is set up), then spin
 * until every one of them has arrived: the last to arrive releases all at once. Leaving
 * pthread_barrier_wait() alone would give the first thread woken a syscall's head start,
 * longer than the kernel windows the counterexamples race in.
 */
static void *thread_main(void *arg)
{
	long tid = (long)arg;
	int release = 0;

	for (;;) {
		pthread_barrier_wait(&ready);
		if (atomic_load(&stop))
			break;
${plan.signals ? "\t\tif (tid == 0)\n\t\t\tdrain_kicks();\n" : ""}		release += NTHREADS;
		atomic_fetch_add(&arrived, 1);
		while (atomic_load(&arrived) < release)
			spin_pause();
		switch (tid) {
${plan.threads.map((_, t) => `\t\tcase ${t}:\n\t\t\tprogram_T${t}();\n\t\t\tbreak;`).join("\n")}
		}
		pthread_barrier_wait(&finished);
	}
	return NULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}`);
  }
  const skipArch = `#if !defined(${guard})\n\t${d.skip(`needs ${ARCH_NAME[plan.arch]} host (the counterexample is for ${plan.target})`)}\n#endif`;
  const body: string[] = [];
  body.push(skipArch);
  body.push("\tsignal(SIGALRM, on_watchdog);\n\talarm(WATCHDOG_SECONDS);");
  body.push("\tsetup_host();");
  if (!multi) {
    body.push("\tthread_of[0] = pthread_self();");
    body.push("\tsetup_vm();");
    body.push("\tprogram_T0();");
    body.push(`\tprintf("${plan.target}@${plan.variant} ${plan.property}, call by call:\\n");`);
    body.push("\tresult = verdict(1);");
  } else {
    const fixed = opts.iterations ?? 0;
    body.push(`\t/* argv[1]: a fixed number of iterations; without it, as many as fit in SECONDS. */
	long iterations = argc > 1 ? atol(argv[1]) : ${fixed};
	long iter, hits = 0, first_hit = 0;
	struct outcome shown[NCALLS];
	double start = now();

	result = ${REPRO_EXIT.documented};
	pthread_barrier_init(&ready, NULL, NTHREADS + 1);
	pthread_barrier_init(&finished, NULL, NTHREADS + 1);
	for (long t = 0; t < NTHREADS; t++)
		pthread_create(&thread_of[t], NULL, thread_main, (void *)t);
	for (iter = 0; iterations > 0 ? iter < iterations : now() - start < SECONDS; iter++) {
		int r;

		memset(got, 0, sizeof(got));
		for (int i = 0; i < NCALLS; i++) {
			atomic_store(&started[i], 0);
			atomic_store(&returned[i], 0);
		}
		setup_vm();
		alarm(WATCHDOG_SECONDS);
		pthread_barrier_wait(&ready);
		pthread_barrier_wait(&finished);
		r = verdict(0);
		/* Show the first iteration that gave the counterexample's results, else the last. */
		if (r != ${REPRO_EXIT.documented}) {
			if (hits++ == 0) {
				first_hit = iter + 1;
				result = r;
				memcpy(shown, got, sizeof(got));
			}
		} else if (!hits) {
			memcpy(shown, got, sizeof(got));
		}
		teardown_vm();
	}
	memcpy(got, shown, sizeof(got));
	printf("${plan.target}@${plan.variant} ${plan.property}: the counterexample's results in %ld of %ld iterations (%.1f%%, %.1f s)\\n",
	       hits, iter, iter ? 100.0 * hits / iter : 0.0, now() - start);
	if (hits)
		printf("the first iteration that gave them: %ld, call by call:\\n", first_hit);
	else
		printf("the last iteration, call by call:\\n");
	verdict(1);
	atomic_store(&stop, 1);
	pthread_barrier_wait(&ready);
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(thread_of[t], NULL);`);
  }
  if (plan.needs.length)
    body.push(`\tif (result == ${REPRO_EXIT.documented}) {
		printf("not reproduced: the counterexample needs what userspace cannot force:\\n");
${plan.needs.map((n) => `\t\tprintf("  - %s\\n", ${cstr(n)});`).join("\n")}
		${d.skip("the counterexample needs what userspace cannot force (listed above)").replace(/\n\t/g, "\n\t\t")}
	}`);
  body.push(d.finish);
  out.push(`int main(int argc, char **argv)\n{\n\tint result;\n\n\t(void)argc;\n\t(void)argv;\n${body.join("\n")}\n}`);
  return out.join("\n\n");
}
