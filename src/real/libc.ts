/**
 * The libc calls the real backend makes, through koffi (an FFI whose binaries ship in
 * its npm package). Each wrapper returns what the kernel returned: the value, or
 * -errno when the call failed, with errno read by `koffi.errno()` right after the
 * call (koffi saves it per thread before any other native code runs).
 *
 * Loaded lazily, once per thread (every worker thread has its own module instance).
 */
import koffi from "koffi";

export type Pointer = unknown;

interface Libc {
  open: (path: string, flags: number) => number;
  close: (fd: number) => number;
  dup3: (oldfd: number, newfd: number, flags: number) => number;
  ioctlPtr: (fd: number, req: number, arg: Uint8Array | null) => number;
  ioctlInt: (fd: number, req: number, arg: number) => number;
  mmap: (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => Pointer;
  munmap: (addr: Pointer, len: number) => number;
  pthread_sigmask: (how: number, set: Uint8Array | null, old: Uint8Array | null) => number;
  sigtimedwait: (set: Uint8Array, info: Uint8Array | null, timeout: Uint8Array) => number;
  timer_create: (clock: number, sevp: Uint8Array, timerid: Uint8Array) => number;
  timer_settime: (timerid: bigint, flags: number, value: Uint8Array, old: Uint8Array | null) => number;
  timer_delete: (timerid: bigint) => number;
  gettid: () => number;
  getpid: () => number;
  tgkill: (tgid: number, tid: number, sig: number) => number;
}

let libc: Libc | null = null;

function load(): Libc {
  const lib = koffi.load("libc.so.6");
  // ioctl(2) is variadic; on x86-64 a pointer or an integer third argument is passed
  // in the same register either way, so two fixed prototypes are exact.
  return {
    open: lib.func("int open(const char *path, int flags)"),
    close: lib.func("int close(int fd)"),
    dup3: lib.func("int dup3(int oldfd, int newfd, int flags)"),
    ioctlPtr: lib.func("ioctl", "int", ["int", "unsigned long", "void *"]),
    ioctlInt: lib.func("ioctl", "int", ["int", "unsigned long", "unsigned long"]),
    mmap: lib.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)"),
    munmap: lib.func("int munmap(void *addr, size_t len)"),
    pthread_sigmask: lib.func("int pthread_sigmask(int how, void *set, void *old)"),
    sigtimedwait: lib.func("int sigtimedwait(void *set, void *info, void *timeout)"),
    timer_create: lib.func("int timer_create(int clockid, void *sevp, void *timerid)"),
    timer_settime: lib.func("int timer_settime(int64_t timerid, int flags, void *value, void *old)"),
    timer_delete: lib.func("int timer_delete(int64_t timerid)"),
    gettid: lib.func("int gettid(void)"),
    getpid: lib.func("int getpid(void)"),
    tgkill: lib.func("int tgkill(int tgid, int tid, int sig)"),
  } as Libc;
}

export function sys(): Libc {
  return (libc ??= load());
}

/** r, or -errno if the call returned -1. */
export function checked(r: number): number {
  return r < 0 ? -koffi.errno() : r;
}

export function ioctl(fd: number, req: number, arg: Uint8Array | number | null = 0): number {
  const s = sys();
  return checked(typeof arg === "number" ? s.ioctlInt(fd, req, arg) : s.ioctlPtr(fd, req, arg));
}

export function open(path: string, flags: number): number {
  return checked(sys().open(path, flags));
}

export function close(fd: number): number {
  return checked(sys().close(fd));
}

/** dup3(2): `newfd` becomes a copy of `oldfd`, its old file closed in the same call. */
export function dup3(oldfd: number, newfd: number, flags: number): number {
  return checked(sys().dup3(oldfd, newfd, flags));
}

/** A mapping: the pointer koffi gives, its address, and a zero-copy view of it. */
export interface Mapping {
  readonly ptr: Pointer;
  readonly address: bigint;
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/** mmap(2); a failure is -errno. The view covers the first `viewLength` bytes (default: all). */
export function mmap(length: number, prot: number, flags: number, fd: number, viewLength = length): Mapping | number {
  const ptr = sys().mmap(null, length, prot, flags, fd, 0);
  const address = BigInt(koffi.address(ptr));
  if (address === 0xffffffffffffffffn || address === 0n) return -koffi.errno();
  const ab = koffi.view(ptr, Math.min(viewLength, length));
  return { ptr, address, length, bytes: new Uint8Array(ab), view: new DataView(ab) };
}

export function munmap(m: Mapping): number {
  return checked(sys().munmap(m.ptr, m.length));
}
