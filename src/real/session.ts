/**
 * One VM on the real kernel and the program calls made on it, from one thread. Race
 * mode gives each worker thread a session on the same VM fd (fds are per process, so
 * threads share them, as a VMM's threads do); each session closes the vCPU fds its
 * thread created and unmaps the `kvm_run` mappings it made, and uses the vCPU fds the
 * other threads created as they publish them (src/real/shared-vcpus.ts).
 *
 * A call's result has the shape the models give (`CallResult`): r = the ioctl's
 * return or -errno; after KVM_RUN, `run` = the `kvm_run` fields userspace reads
 * (exit_reason, memory_fault.{flags,gpa,size}: the names src/targets/memfault uses).
 *
 * Seeing what the kernel wrote: before each KVM_RUN the session saves exit_reason and
 * puts a sentinel in it; if the sentinel survives, the kernel did not write
 * exit_reason, and the saved value goes back (so the program sees what it would have
 * seen). x86's KVM_RUN never reads exit_reason (arch/x86/kvm/x86.c
 * `kvm_arch_vcpu_ioctl_run()`: completions go through `complete_userspace_io`), so
 * the sentinel cannot change what the kernel does. The memory_fault fields share the
 * exit union with io/mmio (which the kernel reads back to complete an IN or MMIO
 * read), so they are not overwritten: a change is reported as a write only when
 * exit_reason says the union holds memory_fault.
 */
import type { Call, CallResult } from "../kernel/rt/trace.js";
import { EINTR, ENOTTY } from "../kernel/uapi/errno.js";
import { KVM_EXIT_INTR, KVM_EXIT_MEMORY_FAULT } from "../kernel/uapi/exits.js";
import { ProgramError, UAPI_CAPS, capNumber } from "../kernel/uapi/caps.js";
import type { Mapping } from "./libc.js";
import { close, ioctl, mmap, munmap } from "./libc.js";
import { guestEntry, isRealGuest } from "./guest.js";
import type { RealGuest } from "./guest.js";
import { lookupVcpu, publishVcpu } from "./shared-vcpus.js";
import { kickThread, setVcpuSignalMask, threadSignals } from "./signals.js";
import {
  IOCTL,
  KVM_REGS_OFFSET,
  KVM_RUN_OFFSET,
  KVM_SEGMENT_OFFSET,
  KVM_SREGS_OFFSET,
  MAP_SHARED,
  MEMORY_REGION_OFFSET,
  PROT_READ,
  PROT_WRITE,
  SIZEOF,
} from "./uapi.js";

/** A value the kernel never writes to exit_reason. */
export const EXIT_REASON_SENTINEL = 0xdeadbeef;

/** A write the kernel made to a `kvm_run` field during one call, as a trace records it. */
export interface KernelWrite {
  readonly loc: string;
  readonly value: number;
  readonly old: number;
}

export interface RealResult extends CallResult {
  /** KVM_RUN was stopped by the watchdog, not by anything the program did. */
  readonly watchdog?: true;
}

export interface CallRecord {
  readonly result: RealResult;
  readonly writes: readonly KernelWrite[];
}

interface VcpuState {
  readonly id: number;
  readonly fd: number;
  run: Mapping | null;
  guest: RealGuest | null;
  sigmask: boolean;
}

export interface SessionContext {
  /** The /dev/kvm fd (for KVM_CHECK_EXTENSION on "system"). */
  readonly devFd: number;
  readonly vmFd: number;
  /** mmap size of a vCPU fd (KVM_GET_VCPU_MMAP_SIZE). */
  readonly vcpuMmapSize: number;
  /** Address of the program's host memory arena: userspace_addr offsets are relative to it. */
  readonly arenaBase: bigint;
  /** Watchdog for KVM_RUN, in milliseconds. */
  readonly watchdogMs: number;
  /** Kernel thread ids of the program's threads (for pthread_kill), by program tid. */
  readonly threadTids?: readonly number[];
  /** Whether program thread `t` has a kick pending (shared between race workers). */
  readonly kickFlags?: Int32Array;
  /** The vCPU fds every race worker has created so far (src/real/shared-vcpus.ts). */
  readonly sharedVcpus?: Int32Array;
}

/** A cap's number, from the same uapi table the models use. */
const capOf = (cap: unknown): number => capNumber(UAPI_CAPS, cap);

const u64 = (v: unknown): bigint => BigInt(Math.trunc(Number(v ?? 0)));

export class VmSession {
  private readonly vcpus = new Map<number, VcpuState>();
  private readonly fdsCreated: number[] = [];
  /** This thread has a kick pending that no KVM_RUN has consumed yet (one-thread programs). */
  private kickPending = false;
  private readonly region = new Uint8Array(SIZEOF.kvm_userspace_memory_region2);
  private readonly regionView = new DataView(this.region.buffer);
  private readonly cap = new Uint8Array(SIZEOF.kvm_enable_cap);
  private readonly capView = new DataView(this.cap.buffer);

  constructor(
    private readonly ctx: SessionContext,
    /** This session's program thread. */
    private readonly tid = 0,
  ) {}

  call(call: Call): CallRecord {
    const fd = call.fd;
    if (call.ioctl === "pthread_kill") return { result: { r: this.pthreadKill(Number(call.thread)) }, writes: [] };
    if (fd === "system") {
      if (call.ioctl !== "KVM_CHECK_EXTENSION") throw new ProgramError(`${call.ioctl} is not a /dev/kvm ioctl the real backend runs`);
      return { result: { r: ioctl(this.ctx.devFd, IOCTL.KVM_CHECK_EXTENSION, capOf(call.cap)) }, writes: [] };
    }
    if (fd === "vm") return { result: { r: this.vmIoctl(call) }, writes: [] };
    if (typeof fd === "object" && fd !== null && "vcpu" in fd) {
      const v = this.vcpu(Number((fd as { vcpu: number }).vcpu));
      // No fd for this vCPU (never created, or not yet returned on another thread): the
      // program's fd variable is -1, and the kernel says what that gives (EBADF).
      if (!v) return { result: { r: ioctl(-1, IOCTL.KVM_RUN, 0) }, writes: [] };
      if (call.ioctl !== "KVM_RUN") return { result: { r: -ENOTTY }, writes: [] };
      return this.run(v, call);
    }
    throw new ProgramError(`call ${call.ioctl} has no fd the real backend knows (${JSON.stringify(fd)})`);
  }

  /** This thread's vCPU `id`, or one another race worker created and published. */
  private vcpu(id: number): VcpuState | undefined {
    const own = this.vcpus.get(id);
    if (own || !this.ctx.sharedVcpus) return own;
    const fd = lookupVcpu(this.ctx.sharedVcpus, id);
    if (fd < 0) return undefined;
    const v: VcpuState = { id, fd, run: null, guest: null, sigmask: false };
    this.vcpus.set(id, v);
    return v;
  }

  private vmIoctl(call: Call): number {
    const vm = this.ctx.vmFd;
    switch (call.ioctl) {
      case "KVM_ENABLE_CAP": {
        this.cap.fill(0);
        this.capView.setUint32(0, capOf(call.cap), true);
        this.capView.setUint32(4, Number(call.flags ?? 0) >>> 0, true);
        const args = (call.args as number[] | undefined) ?? [];
        for (let k = 0; k < 4; k++) this.capView.setBigUint64(8 + 8 * k, BigInt.asUintN(64, u64(args[k])), true);
        return ioctl(vm, IOCTL.KVM_ENABLE_CAP, this.cap);
      }
      case "KVM_CHECK_EXTENSION":
        return ioctl(vm, IOCTL.KVM_CHECK_EXTENSION, capOf(call.cap));
      case "KVM_CREATE_IRQCHIP":
        return ioctl(vm, IOCTL.KVM_CREATE_IRQCHIP, 0);
      case "KVM_SET_BOOT_CPU_ID":
        return ioctl(vm, IOCTL.KVM_SET_BOOT_CPU_ID, Number(call.id));
      case "KVM_CREATE_VCPU": {
        const id = Number(call.id);
        const r = ioctl(vm, IOCTL.KVM_CREATE_VCPU, id);
        if (r < 0) return r;
        this.fdsCreated.push(r);
        if (!this.vcpus.has(id)) this.vcpus.set(id, { id, fd: r, run: null, guest: null, sigmask: false });
        if (this.ctx.sharedVcpus) publishVcpu(this.ctx.sharedVcpus, id, r);
        // The fd number is not comparable with the model's: a success is 0 in both worlds.
        return 0;
      }
      case "KVM_SET_USER_MEMORY_REGION":
      case "KVM_SET_USER_MEMORY_REGION2": {
        const two = call.ioctl === "KVM_SET_USER_MEMORY_REGION2";
        const size = two ? SIZEOF.kvm_userspace_memory_region2 : SIZEOF.kvm_userspace_memory_region;
        const b = this.regionView;
        this.region.fill(0);
        b.setUint32(MEMORY_REGION_OFFSET.slot, Number(call.slot) >>> 0, true);
        b.setUint32(MEMORY_REGION_OFFSET.flags, Number(call.flags ?? 0) >>> 0, true);
        b.setBigUint64(MEMORY_REGION_OFFSET.guest_phys_addr, BigInt.asUintN(64, u64(call.guest_phys_addr)), true);
        b.setBigUint64(MEMORY_REGION_OFFSET.memory_size, BigInt.asUintN(64, u64(call.memory_size)), true);
        // userspace_addr is an offset into the arena (the x86-caps vocabulary).
        b.setBigUint64(MEMORY_REGION_OFFSET.userspace_addr, BigInt.asUintN(64, this.ctx.arenaBase + u64(call.userspace_addr)), true);
        if (two && call.guest_memfd !== undefined) throw new ProgramError("KVM_SET_USER_MEMORY_REGION2 with guest_memfd is not run by the real backend");
        return ioctl(vm, IOCTL[two ? "KVM_SET_USER_MEMORY_REGION2" : "KVM_SET_USER_MEMORY_REGION"], this.region.subarray(0, size));
      }
      default:
        throw new ProgramError(`${call.ioctl} is not a VM ioctl the real backend runs`);
    }
  }

  private pthreadKill(target: number): number {
    if (target === this.tid && !this.ctx.threadTids) {
      this.kickPending = true;
      return threadSignals().kickSelf();
    }
    const tid = this.ctx.threadTids?.[target];
    if (tid === undefined || tid === 0) throw new ProgramError(`pthread_kill(T${target}): no such thread`);
    if (this.ctx.kickFlags) Atomics.store(this.ctx.kickFlags, target, 1);
    return kickThread(tid);
  }

  private get myKickPending(): boolean {
    return this.ctx.kickFlags ? Atomics.load(this.ctx.kickFlags, this.tid) === 1 : this.kickPending;
  }

  private set myKickPending(v: boolean) {
    if (this.ctx.kickFlags) Atomics.store(this.ctx.kickFlags, this.tid, v ? 1 : 0);
    else this.kickPending = v;
  }

  /** mmap of kvm_run, the signal mask, and the guest's entry point when it changes. */
  private prepare(v: VcpuState, guest: unknown): number {
    if (!v.run) {
      const m = mmap(this.ctx.vcpuMmapSize, PROT_READ | PROT_WRITE, MAP_SHARED, v.fd);
      if (typeof m === "number") throw new Error(`mmap of vCPU ${v.id}'s kvm_run failed: errno ${-m}`);
      v.run = m;
    }
    if (!v.sigmask) {
      const r = setVcpuSignalMask(v.fd);
      if (r < 0) return r;
      v.sigmask = true;
    }
    if (guest === undefined || guest === null || guest === v.guest) return 0;
    if (!isRealGuest(guest)) throw new ProgramError(`unknown guest '${String(guest)}' (the real guests: io, hlt, mmio, spin)`);
    if (v.guest === null) {
      // Real mode, CS base 0 (the reset state has CS base 0xffff0000).
      const sregs = new Uint8Array(SIZEOF.kvm_sregs);
      let r = ioctl(v.fd, IOCTL.KVM_GET_SREGS, sregs);
      if (r < 0) return r;
      const sv = new DataView(sregs.buffer);
      sv.setBigUint64(KVM_SREGS_OFFSET.cs + KVM_SEGMENT_OFFSET.base, 0n, true);
      sv.setUint16(KVM_SREGS_OFFSET.cs + KVM_SEGMENT_OFFSET.selector, 0, true);
      r = ioctl(v.fd, IOCTL.KVM_SET_SREGS, sregs);
      if (r < 0) return r;
    }
    const regs = new Uint8Array(SIZEOF.kvm_regs);
    const rv = new DataView(regs.buffer);
    rv.setBigUint64(KVM_REGS_OFFSET.rip, BigInt(guestEntry(guest)), true);
    rv.setBigUint64(KVM_REGS_OFFSET.rflags, 2n, true); // bit 1 is always set
    const r = ioctl(v.fd, IOCTL.KVM_SET_REGS, regs);
    if (r < 0) return r;
    v.guest = guest;
    return 0;
  }

  private run(v: VcpuState, call: Call): CallRecord {
    const setup = this.prepare(v, call.guest);
    if (setup < 0) throw new Error(`setting up vCPU ${v.id}'s guest failed: errno ${-setup}`);
    const run = v.run!.view;
    const O = KVM_RUN_OFFSET;
    // Userspace writes kvm_run->immediate_exit (and kvm_valid_regs) before the ioctl.
    if (call.immediate_exit !== undefined) run.setUint8(O.immediate_exit, Number(call.immediate_exit));
    if (call.kvm_valid_regs !== undefined) run.setBigUint64(O.kvm_valid_regs, u64(call.kvm_valid_regs), true);
    const oldExit = run.getUint32(O.exit_reason, true);
    const oldFault = this.memoryFault(run);
    run.setUint32(O.exit_reason, EXIT_REASON_SENTINEL, true);
    const sig = threadSignals();
    const kicked = this.myKickPending;
    sig.arm(this.ctx.watchdogMs);
    const r = ioctl(v.fd, IOCTL.KVM_RUN, 0);
    sig.arm(0);
    let exit = run.getUint32(O.exit_reason, true);
    const wrote = exit !== EXIT_REASON_SENTINEL;
    if (!wrote) run.setUint32(O.exit_reason, (exit = oldExit), true);
    const fault = this.memoryFault(run);
    const writes: KernelWrite[] = [];
    const loc = `vcpu${v.id}->run->`;
    if (wrote) writes.push({ loc: `${loc}exit_reason`, value: exit, old: oldExit });
    if (exit === KVM_EXIT_MEMORY_FAULT)
      for (const k of Object.keys(fault) as (keyof typeof fault)[])
        if (fault[k] !== oldFault[k]) writes.push({ loc: `${loc}${k}`, value: fault[k], old: oldFault[k] });
    // A KVM_RUN that this signal stopped consumed it (as a VMM's handler would);
    // a watchdog signal that came after the return is thrown away.
    let watchdog = false;
    if (r === -EINTR && wrote && exit === KVM_EXIT_INTR) {
      sig.drain();
      watchdog = !kicked;
      this.myKickPending = false;
    } else if (!this.myKickPending) sig.drain();
    const result: RealResult = { r, run: { exit_reason: exit, ...fault }, ...(watchdog ? { watchdog: true as const } : {}) };
    return { result, writes };
  }

  private memoryFault(run: DataView) {
    const O = KVM_RUN_OFFSET;
    return {
      "memory_fault.flags": Number(run.getBigUint64(O["memory_fault.flags"], true)),
      "memory_fault.gpa": Number(run.getBigUint64(O["memory_fault.gpa"], true)),
      "memory_fault.size": Number(run.getBigUint64(O["memory_fault.size"], true)),
    };
  }

  /**
   * Unmaps every kvm_run it mapped (a mapping keeps the VM alive) and closes the vCPU fds
   * this session made. In race mode every worker must be done with its calls first (a
   * closed fd's number could be reused by another thread's KVM_CREATE_VCPU).
   */
  teardown(): void {
    for (const v of this.vcpus.values()) if (v.run) munmap(v.run);
    for (const fd of this.fdsCreated) close(fd);
    this.vcpus.clear();
    this.fdsCreated.length = 0;
    // A kick nobody consumed must not reach the next program.
    if (this.kickPending || this.ctx.kickFlags) threadSignals().drain();
    this.kickPending = false;
  }
}
