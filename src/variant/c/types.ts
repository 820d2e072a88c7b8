/**
 * The C types the front end knows: integers with their width and signedness (the
 * arithmetic is C's: usual arithmetic conversions, wrap-around of unsigned types),
 * pointers to the kernel structs the model has, mutexes and `void`.
 */
import type { StructDesc } from "./world.js";

export interface IntType {
  readonly k: "int";
  /** 1: `bool` */
  readonly bits: 1 | 8 | 16 | 32 | 64;
  readonly signed: boolean;
  readonly name: string;
}

export type CType =
  | IntType
  | { readonly k: "ptr"; readonly to: StructDesc }
  /** An embedded struct (`kvm->arch`, `run->memory_fault`): only its fields and its address are used. */
  | { readonly k: "struct"; readonly desc: StructDesc }
  | { readonly k: "mutex" }
  | { readonly k: "array"; readonly of: IntType; readonly length: number }
  | { readonly k: "void" };

const int = (name: string, bits: IntType["bits"], signed: boolean): IntType => ({ k: "int", bits, signed, name });

export const BOOL = int("bool", 1, false);
export const INT = int("int", 32, true);
export const UINT = int("unsigned int", 32, false);
export const LONG = int("long", 64, true);
export const ULONG = int("unsigned long", 64, false);
export const U8 = int("u8", 8, false);
export const U16 = int("u16", 16, false);
export const U32 = int("u32", 32, false);
export const U64 = int("u64", 64, false);
export const VOID: CType = { k: "void" };

/** The kernel's integer type names (kernel and uapi spellings), as tree-sitter gives them (words joined by one space). */
export const INT_TYPES: Readonly<Record<string, IntType>> = {
  bool: BOOL,
  _Bool: BOOL,
  char: int("char", 8, true),
  "signed char": int("signed char", 8, true),
  "unsigned char": int("unsigned char", 8, false),
  short: int("short", 16, true),
  "unsigned short": int("unsigned short", 16, false),
  int: INT,
  "signed int": INT,
  signed: INT,
  unsigned: UINT,
  "unsigned int": UINT,
  long: LONG,
  "long int": LONG,
  "signed long": LONG,
  "unsigned long": ULONG,
  "unsigned long int": ULONG,
  "long long": int("long long", 64, true),
  "unsigned long long": int("unsigned long long", 64, false),
  u8: U8,
  u16: U16,
  u32: U32,
  u64: U64,
  s8: int("s8", 8, true),
  s16: int("s16", 16, true),
  s32: int("s32", 32, true),
  s64: int("s64", 64, true),
  __u8: U8,
  __u16: U16,
  __u32: U32,
  __u64: U64,
  __s32: int("__s32", 32, true),
  __s64: int("__s64", 64, true),
  size_t: int("size_t", 64, false),
  ssize_t: int("ssize_t", 64, true),
  gpa_t: int("gpa_t", 64, false),
  gfn_t: int("gfn_t", 64, false),
  hva_t: int("hva_t", 64, false),
  phys_addr_t: int("phys_addr_t", 64, false),
};

/** `v` converted to `t` (C's conversion: modulo 2^bits, then reinterpreted as signed where `t` is). */
export function convert(v: bigint, t: IntType): bigint {
  if (t.bits === 1) return v === 0n ? 0n : 1n;
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** Integer promotion: what is narrower than int computes as int. */
export function promote(t: IntType): IntType {
  return t.bits < 32 ? INT : t;
}

/** The usual arithmetic conversions of two integer operands (LP64: long is 64 bits). */
export function common(a: IntType, b: IntType): IntType {
  const x = promote(a);
  const y = promote(b);
  if (x.bits !== y.bits) return x.bits > y.bits ? x : y;
  if (!x.signed) return x;
  return y;
}

export const isInt = (t: CType): t is IntType => t.k === "int";
/** Scalar types a condition can test: integers and pointers. */
export const isScalar = (t: CType): boolean => t.k === "int" || t.k === "ptr";

export function typeName(t: CType): string {
  switch (t.k) {
    case "int":
      return t.name;
    case "ptr":
      return `struct ${t.to.name} *`;
    case "struct":
      return `struct ${t.desc.name}`;
    case "mutex":
      return "struct mutex";
    case "array":
      return `${t.of.name}[]`;
    case "void":
      return "void";
  }
}

/** `a op b` at type `t` (comparisons at `ct`); null where C leaves it undefined (a division by zero, a shift out of range). */
export function arith(op: string, a: bigint, b: bigint, t: IntType, ct: IntType | null): bigint | null {
  if (ct) {
    a = convert(a, ct);
    b = convert(b, ct);
  } else if (op === "<<" || op === ">>") {
    a = convert(a, t);
  }
  switch (op) {
    case "+":
      return convert(a + b, t);
    case "-":
      return convert(a - b, t);
    case "*":
      return convert(a * b, t);
    case "/":
      return b === 0n ? null : convert(a / b, t);
    case "%":
      return b === 0n ? null : convert(a % b, t);
    case "<<":
    case ">>":
      // A negative count or one at least the width is undefined behaviour (UBSAN reports it).
      if (b < 0n || b >= BigInt(t.bits)) return null;
      return convert(op === "<<" ? a << b : a >> b, t);
    case "&":
      return convert(a & b, t);
    case "|":
      return convert(a | b, t);
    case "^":
      return convert(a ^ b, t);
    case "==":
      return a === b ? 1n : 0n;
    case "!=":
      return a !== b ? 1n : 0n;
    case "<":
      return a < b ? 1n : 0n;
    case ">":
      return a > b ? 1n : 0n;
    case "<=":
      return a <= b ? 1n : 0n;
    case ">=":
      return a >= b ? 1n : 0n;
  }
  throw new Error(`unknown operator ${op}`);
}
