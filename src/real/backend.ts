/**
 * The real backend: runs a one-thread program on a fresh VM of the host's KVM device
 * and records the same trace shape as the models (invoke, the kernel's writes to
 * `kvm_run` it could see, return), so the same properties and reference models check
 * it.
 *
 * One backend per thread: it holds the device fd, and the program's host memory arena
 * (one page-aligned anonymous MAP_NORESERVE mapping, large enough for every
 * userspace_addr offset the programs use, holding the guest code page). Each
 * execution creates a VM and tears it down before returning: every `kvm_run` mapping
 * unmapped, every fd closed.
 */
import type { Execution } from "../kernel/rt/execution.js";
import type { Call, Event } from "../kernel/rt/trace.js";
import { Closer } from "./closer.js";
import { openDevice } from "./device.js";
import { CODE_OFFSET, guestCode } from "./guest.js";
import type { Mapping } from "./libc.js";
import { close, ioctl, mmap, munmap } from "./libc.js";
import type { CallRecord, RealResult } from "./session.js";
import { VmSession } from "./session.js";
import { releaseThreadSignals } from "./signals.js";
import { IOCTL, MAP_ANONYMOUS, MAP_NORESERVE, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE } from "./uapi.js";

export interface BackendOptions {
  readonly device: string;
  /** Bytes of host memory behind userspace_addr offsets (rounded up to pages; at least the code page). */
  readonly arenaSize?: number;
  /** Milliseconds before the watchdog stops a KVM_RUN (default 50). */
  readonly watchdogMs?: number;
  /** Close VM fds on a teardown thread, in batches (default true); false closes each at once. */
  readonly batchTeardown?: boolean;
}

/** A real execution: the trace (as the models give it) and each call's result in order. */
export interface RealExecution extends Execution {
  readonly results: readonly RealResult[];
}

/** The arena a set of calls needs: past every memslot's userspace_addr offset + size. */
export function arenaSizeFor(calls: readonly Call[]): number {
  let end = CODE_OFFSET + PAGE_SIZE;
  for (const c of calls)
    if (c.ioctl === "KVM_SET_USER_MEMORY_REGION" || c.ioctl === "KVM_SET_USER_MEMORY_REGION2")
      end = Math.max(end, Number(c.userspace_addr ?? 0) + Number(c.memory_size ?? 0));
  return Math.ceil(end / PAGE_SIZE) * PAGE_SIZE;
}

export class RealBackend {
  readonly devFd: number;
  readonly vcpuMmapSize: number;
  private arena: Mapping;
  private readonly watchdogMs: number;
  private closed = false;
  private readonly closer: Closer | null;

  constructor(readonly options: BackendOptions) {
    this.devFd = openDevice(options.device);
    this.vcpuMmapSize = ioctl(this.devFd, IOCTL.KVM_GET_VCPU_MMAP_SIZE, 0);
    this.arena = this.mapArena(Math.max(options.arenaSize ?? 0, CODE_OFFSET + PAGE_SIZE));
    this.watchdogMs = options.watchdogMs ?? 50;
    this.closer = options.batchTeardown === false ? null : new Closer();
  }

  private mapArena(size: number): Mapping {
    const bytes = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    // Only the code page is ever written from here: the view need not cover a large arena.
    const m = mmap(bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, CODE_OFFSET + PAGE_SIZE);
    if (typeof m === "number") throw new Error(`mmap of a ${bytes}-byte arena failed: errno ${-m}`);
    m.bytes.set(guestCode(), CODE_OFFSET);
    return m;
  }

  get arenaBase(): bigint {
    return this.arena.address;
  }

  /** Grows the arena if a program needs more (programs from one alphabet never do). */
  ensureArena(size: number): void {
    if (size <= this.arena.length) return;
    munmap(this.arena);
    this.arena = this.mapArena(size);
  }

  /** A VM of its own: KVM_CREATE_VM (type 0, the only type this host takes). */
  createVm(): number {
    const vm = ioctl(this.devFd, IOCTL.KVM_CREATE_VM, 0);
    if (vm < 0) throw new Error(`KVM_CREATE_VM failed: errno ${-vm}`);
    return vm;
  }

  /** Closes a VM fd (its vCPU fds and kvm_run mappings must be gone already): batched, or at once. */
  closeVm(vmFd: number): void {
    if (this.closer) this.closer.close(vmFd);
    else close(vmFd);
  }

  /** Waits until every VM handed to the teardown thread is destroyed. */
  flush(): void {
    this.closer?.flush();
  }

  /** Runs `calls` on a fresh VM (after `fixture`, which is not part of the trace). */
  execute(calls: readonly Call[], fixture: readonly Call[] = []): RealExecution {
    if (this.closed) throw new Error("the real backend is closed");
    this.ensureArena(arenaSizeFor([...fixture, ...calls]));
    const vmFd = this.createVm();
    const session = new VmSession({
      devFd: this.devFd,
      vmFd,
      vcpuMmapSize: this.vcpuMmapSize,
      arenaBase: this.arena.address,
      watchdogMs: this.watchdogMs,
    });
    const records: CallRecord[] = [];
    try {
      for (const c of fixture) {
        const rec = session.call(c);
        if (rec.result.r < 0) throw new Error(`fixture call ${c.ioctl} failed on the real kernel: errno ${-rec.result.r}`);
      }
      for (const c of calls) records.push(session.call(c));
    } finally {
      session.teardown();
      this.closeVm(vmFd);
    }
    return traceOf([calls], [records]);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.closer) void this.closer.stop();
    munmap(this.arena);
    close(this.devFd);
    // The watchdog timer of this thread (made by its first KVM_RUN): a timer lives as long
    // as the process and counts against RLIMIT_SIGPENDING. The next backend makes another.
    releaseThreadSignals();
  }
}

/**
 * The trace of calls whose records are known, in the order given by `order` (pairs of
 * [tid, call index, "invoke" | "return"]); sequential threads by default.
 */
export function traceOf(
  threads: readonly (readonly Call[])[],
  records: readonly (readonly CallRecord[])[],
  order?: readonly (readonly [number, number, "invoke" | "return"])[],
): RealExecution {
  const steps = order ?? threads.flatMap((calls, tid) => calls.flatMap((_, k) => [[tid, k, "invoke"] as const, [tid, k, "return"] as const]));
  const events: Event[] = [];
  const results: RealResult[] = [];
  for (const [tid, k, kind] of steps) {
    const base = { tid, call: k };
    if (kind === "invoke") {
      events.push({ i: events.length, ...base, kind: "invoke", ioctl: threads[tid]![k]! });
      continue;
    }
    const rec = records[tid]![k]!;
    for (const w of rec.writes) events.push({ i: events.length, ...base, kind: "write", loc: w.loc, value: w.value, old: w.old });
    events.push({ i: events.length, ...base, kind: "return", result: rec.result });
    results.push(rec.result);
  }
  return { initial: {}, events, outcome: "complete", stepTids: [], stepEnabled: [], results };
}
