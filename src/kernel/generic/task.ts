/**
 * Userspace threads as the kernel sees them (`current`): each has a pending-signal
 * flag another thread can set with pthread_kill().
 *
 * The models follow how VMMs drive KVM_RUN (QEMU's SIG_IPI): the signal is blocked in
 * userspace and unblocked only inside KVM_RUN (KVM_SET_SIGNAL_MASK, kvm_sigset_activate),
 * so a signal sent while the thread is elsewhere stays pending until its next KVM_RUN,
 * which returns -EINTR with KVM_EXIT_INTR and consumes it.
 */
import type { K } from "../rt/ops.js";
import { READ, WRITE } from "../rt/ops.js";
import type { Cell, SharedState } from "../rt/state.js";
import { KVM_EXIT_INTR } from "../uapi/exits.js";
import { EINTR } from "../uapi/errno.js";
import type { KvmVcpu } from "./kvm.js";

export interface Task {
  readonly tid: number;
  readonly sigpending: Cell<boolean>;
}

export function makeTasks(shared: SharedState, n: number): Task[] {
  return Array.from({ length: n }, (_, tid) => ({ tid, sigpending: shared.cell(`T${tid}->sigpending`, false) }));
}

/** `signal_pending(current)` */
export function* signal_pending(task: Task): K<boolean> {
  return yield* READ(task.sigpending);
}

/** pthread_kill(thread, SIG_IPI) */
export function* send_signal(task: Task): K<void> {
  yield* WRITE(task.sigpending, true);
}

/**
 * `kvm_xfer_to_guest_mode_handle_work()` (include/linux/kvm_host.h): a pending signal
 * ends KVM_RUN with -EINTR after `kvm_handle_signal_exit()` sets KVM_EXIT_INTR. The
 * signal is then delivered on the way out (consumed).
 */
export function* kvm_xfer_to_guest_mode_handle_work<VA>(vcpu: KvmVcpu<VA>, task: Task): K<number> {
  if (!(yield* signal_pending(task))) return 0;
  // kvm_handle_signal_exit(vcpu)
  yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_INTR);
  yield* WRITE(task.sigpending, false);
  return -EINTR;
}
