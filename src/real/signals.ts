/**
 * The signal that interrupts KVM_RUN, per thread: the program's `pthread_kill` and the
 * watchdog both send SIG_KICK to the thread that runs the vCPU, as QEMU kicks its vCPU
 * threads. The thread keeps SIG_KICK blocked; KVM_SET_SIGNAL_MASK unblocks it only
 * while the thread is inside KVM_RUN, where a pending SIG_KICK makes the kernel return
 * -EINTR with KVM_EXIT_INTR (kernel/entry/kvm.c `xfer_to_guest_mode_work()` →
 * `kvm_handle_signal_exit()`). Blocked again on return, the signal stays pending (it
 * is never delivered to a handler) until `drain()` takes it with sigtimedwait().
 *
 * SIGUSR2 is a standard signal: two kicks before a run coalesce into one pending
 * signal, as the models' `pending` flag does.
 */
import { sys } from "./libc.js";
import { IOCTL } from "./uapi.js";
import { ioctl } from "./libc.js";

export const SIG_KICK = 12; // SIGUSR2 (asm-generic/signal.h, x86-64)

const SIG_BLOCK = 0;
const CLOCK_MONOTONIC = 1;
/** Linux `SIGEV_THREAD_ID`: the timer signals one thread (include/uapi/asm-generic/siginfo.h). */
const SIGEV_THREAD_ID = 4;
/** glibc's sigset_t is 1024 bits; the kernel's (and KVM_SET_SIGNAL_MASK's) is 64. */
const SIGSET_BYTES = 128;
const KERNEL_SIGSET_BYTES = 8;

function sigset(...signals: number[]): Uint8Array {
  const s = new Uint8Array(SIGSET_BYTES);
  for (const sig of signals) s[(sig - 1) >> 3]! |= 1 << ((sig - 1) & 7);
  return s;
}

export interface ThreadSignals {
  readonly tid: number;
  /** The `struct kvm_signal_mask` to give each vCPU this thread runs: its mask without SIG_KICK. */
  readonly vcpuMask: Uint8Array;
  /** Sends SIG_KICK to this thread after `ms` milliseconds (0 disarms). */
  arm(ms: number): void;
  /** Takes a pending SIG_KICK off this thread; true if there was one. */
  drain(): boolean;
  /** pthread_kill(self, SIG_KICK) */
  kickSelf(): number;
  /** timer_delete(): a POSIX timer lives as long as the process, not the thread that made it. */
  release(): void;
}

let mine: ThreadSignals | null = null;

/** This thread's kick signal and watchdog timer, set up on first use. */
export function threadSignals(): ThreadSignals {
  if (mine) return mine;
  const s = sys();
  const kick = sigset(SIG_KICK);
  const old = new Uint8Array(SIGSET_BYTES);
  if (s.pthread_sigmask(SIG_BLOCK, kick, old) !== 0) throw new Error("pthread_sigmask failed");
  const tid = s.gettid();
  const pid = s.getpid();

  // struct kvm_signal_mask { __u32 len; __u8 sigset[]; } with the kernel's 8-byte sigset.
  const vcpuMask = new Uint8Array(4 + KERNEL_SIGSET_BYTES);
  new DataView(vcpuMask.buffer).setUint32(0, KERNEL_SIGSET_BYTES, true);
  vcpuMask.set(old.subarray(0, KERNEL_SIGSET_BYTES), 4);
  vcpuMask[4 + ((SIG_KICK - 1) >> 3)]! &= ~(1 << ((SIG_KICK - 1) & 7));

  // struct sigevent (x86-64): sigev_value @0, sigev_signo @8, sigev_notify @12, _tid @16; 64 bytes.
  const sev = new Uint8Array(64);
  const sv = new DataView(sev.buffer);
  sv.setInt32(8, SIG_KICK, true);
  sv.setInt32(12, SIGEV_THREAD_ID, true);
  sv.setInt32(16, tid, true);
  const idBuf = new Uint8Array(8);
  if (s.timer_create(CLOCK_MONOTONIC, sev, idBuf) !== 0) throw new Error("timer_create failed");
  const timer = new DataView(idBuf.buffer).getBigInt64(0, true);

  // struct itimerspec { it_interval, it_value } of struct timespec { tv_sec, tv_nsec }.
  const spec = new Uint8Array(32);
  const sp = new DataView(spec.buffer);
  const zero = new Uint8Array(16);
  const zeroSpec = new Uint8Array(32);

  mine = {
    tid,
    vcpuMask,
    arm(ms) {
      sp.setBigInt64(16, BigInt(Math.floor(ms / 1000)), true);
      sp.setBigInt64(24, BigInt(Math.round((ms % 1000) * 1e6)), true);
      s.timer_settime(timer, 0, spec, null);
    },
    drain() {
      return s.sigtimedwait(kick, null, zero) === SIG_KICK;
    },
    kickSelf() {
      return s.tgkill(pid, tid, SIG_KICK) < 0 ? -1 : 0;
    },
    release() {
      s.timer_settime(timer, 0, zeroSpec, null);
      s.timer_delete(timer);
      // A kick the disarmed timer or a program sent stays pending: take it (SIG_KICK stays blocked).
      while (s.sigtimedwait(kick, null, zero) === SIG_KICK);
      mine = null;
    },
  };
  return mine;
}

/**
 * Deletes this thread's watchdog timer, if it has one (timers count against
 * RLIMIT_SIGPENDING until deleted, even after their thread is gone). The next
 * threadSignals() makes a new one.
 */
export function releaseThreadSignals(): void {
  mine?.release();
}

/** Gives a vCPU this thread's mask for KVM_RUN (KVM_SET_SIGNAL_MASK). */
export function setVcpuSignalMask(vcpuFd: number): number {
  return ioctl(vcpuFd, IOCTL.KVM_SET_SIGNAL_MASK, threadSignals().vcpuMask);
}

/** tgkill(getpid(), tid, SIG_KICK): a kick to another thread of this process. */
export function kickThread(tid: number): number {
  const s = sys();
  return s.tgkill(s.getpid(), tid, SIG_KICK) < 0 ? -1 : 0;
}
