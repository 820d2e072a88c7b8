/**
 * Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h) as the kernel
 * returns them: a kernel path returns `-EBUSY`, userspace sees -1 with errno EBUSY.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENXIO = 6;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOTTY = 25;
export const ENOSYS = 38;
export const EHWPOISON = 133;

const NAMES: Record<number, string> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [ESRCH]: "ESRCH",
  [EINTR]: "EINTR",
  [EIO]: "EIO",
  [E2BIG]: "E2BIG",
  [ENXIO]: "ENXIO",
  [EBADF]: "EBADF",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [EINVAL]: "EINVAL",
  [ENOTTY]: "ENOTTY",
  [ENOSPC]: "ENOSPC",
  [ENOSYS]: "ENOSYS",
  [EHWPOISON]: "EHWPOISON",
};

export function errnoName(errno: number): string {
  return NAMES[errno] ?? `errno ${errno}`;
}

/** How userspace sees a kernel return: `0`, `3`, or `-1 EBUSY`. */
export function formatReturn(r: number): string {
  return r < 0 ? `-1 ${errnoName(-r)}` : String(r);
}
