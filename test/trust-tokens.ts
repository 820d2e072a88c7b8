/** Replay tokens of any body, as a hostile or careless user could write them, for the trust-* tests. */
import { Buffer } from "node:buffer";

export const tokenOf = (body: unknown): string => `kvmoc1.${Buffer.from(JSON.stringify(body)).toString("base64url")}`;

export const VCPU0 = { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 };
export const CAP = { ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_RISCV_SET_HGATP_MODE", flags: 0, args: [8] };
/** riscv-hgatp@v7's race (README): a valid token's body, to change one field at a time. */
export const V7_BODY = { t: "riscv-hgatp", v: "v7", o: {}, p: "hgatp-single-view", th: [[VCPU0], [CAP]], d: [1, 1] };
