/**
 * What a contract allows for one call in one state, and the state after it: the unit
 * the reference machines (riscv-vm, x86-vm) are written in. A guard asks `allows`, the
 * violation message quotes `expected`, and the `apply` action takes `next`. The context
 * type comes from where the expectation is returned (NoInfer: not from `next`'s result).
 */
import { formatReturn } from "../src/kernel/uapi/errno.js";

export interface Expectation<C> {
  readonly allows: (r: number) => boolean;
  /** What is allowed, for the violation message. */
  readonly expected: string;
  readonly next: (ctx: C, r: number) => Partial<C>;
}

/** Exactly this return (`why`: the rule that decides it, quoted in a violation). */
export function exactly<C>(want: number, next: Expectation<NoInfer<C>>["next"] = () => ({}), why = ""): Expectation<C> {
  return { allows: (r) => r === want, expected: why ? `${formatReturn(want)} (${why})` : formatReturn(want), next };
}

/** A call the contract says nothing about (or a phase whose result comes later). */
export function anything<C>(next: Expectation<NoInfer<C>>["next"] = () => ({})): Expectation<C> {
  return { allows: () => true, expected: "anything", next };
}
