/**
 * Which KVM device the real backend opens: `--device`, else $KVM_DEVICE, else /dev/kvm.
 * Whether it can be opened is checked at run time, never assumed (kernel-facts H).
 */
import { existsSync } from "node:fs";
import { close, open } from "./libc.js";
import { IOCTL, O_CLOEXEC, O_RDWR } from "./uapi.js";
import { ioctl } from "./libc.js";
import { errnoName } from "../kernel/uapi/errno.js";

export const DEFAULT_DEVICE = "/dev/kvm";

/** KVM_GET_API_VERSION must return this (include/uapi/linux/kvm.h `KVM_API_VERSION`). */
export const KVM_API_VERSION = 12;

export function devicePath(option?: string): string {
  return option ?? process.env.KVM_DEVICE ?? DEFAULT_DEVICE;
}

/** Thrown when the device is missing or unusable; the CLI prints it in one line, exit 2. */
export class DeviceUnavailable extends Error {
  override name = "DeviceUnavailable";
}

/** Opens the device (O_RDWR | O_CLOEXEC) and checks its API version; the fd, or why not. */
export function openDevice(path: string): number {
  // A missing path is the common case (no KVM here); say so without loading the FFI.
  if (!existsSync(path)) throw new DeviceUnavailable(`cannot open ${path}: no such file (no KVM on this machine?)`);
  const fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) throw new DeviceUnavailable(`cannot open ${path}: ${errnoName(-fd)}`);
  const v = ioctl(fd, IOCTL.KVM_GET_API_VERSION, 0);
  if (v !== KVM_API_VERSION) {
    close(fd);
    throw new DeviceUnavailable(`${path} is not a KVM device (KVM_GET_API_VERSION gave ${v < 0 ? errnoName(-v) : v})`);
  }
  return fd;
}

/** Whether the device can be used here (for tests: `it.skipIf(!available)`), and why not. */
export function probeDevice(path = devicePath()): { available: boolean; why: string } {
  try {
    close(openDevice(path));
    return { available: true, why: "" };
  } catch (e) {
    if (e instanceof DeviceUnavailable) return { available: false, why: e.message };
    throw e;
  }
}
