/**
 * The translated form of a C function: statements and typed expressions, resolved
 * against the target's world (every name is a local, a constant, a field of a kernel
 * struct or a kernel function). The interpreter (interp.ts) runs it as a kernel path.
 */
import type { CType, IntType } from "./types.js";
import type { Builtin, FieldDesc } from "./world.js";

export interface Pos {
  readonly line: number;
  readonly col: number;
}

export type Expr =
  | { readonly e: "num"; readonly v: bigint; readonly t: IntType }
  | { readonly e: "null"; readonly t: CType }
  | { readonly e: "local"; readonly slot: number; readonly t: CType }
  | { readonly e: "field"; readonly base: Expr; readonly name: string; readonly f: FieldDesc; readonly t: CType; readonly pos: Pos }
  | { readonly e: "index"; readonly base: Expr; readonly index: Expr; readonly length: number; readonly t: IntType }
  | { readonly e: "addr"; readonly x: Expr; readonly t: CType }
  | { readonly e: "unary"; readonly op: "-" | "~" | "!" | "+"; readonly x: Expr; readonly t: IntType }
  | { readonly e: "binary"; readonly op: string; readonly l: Expr; readonly r: Expr; readonly t: IntType; readonly ct: IntType | null }
  | { readonly e: "logical"; readonly op: "&&" | "||"; readonly l: Expr; readonly r: Expr; readonly t: IntType }
  | { readonly e: "cond"; readonly c: Expr; readonly a: Expr; readonly b: Expr; readonly t: CType }
  | { readonly e: "cast"; readonly x: Expr; readonly t: CType }
  | { readonly e: "assign"; readonly op: string; readonly place: Expr; readonly value: Expr; readonly t: CType }
  | { readonly e: "incdec"; readonly op: "++" | "--"; readonly prefix: boolean; readonly place: Expr; readonly t: IntType }
  | { readonly e: "builtin"; readonly name: string; readonly fn: Builtin; readonly args: readonly Expr[]; readonly t: CType }
  | { readonly e: "call"; readonly name: string; readonly args: readonly Expr[]; readonly t: CType }
  | { readonly e: "warn"; readonly kind: "WARN_ON" | "WARN_ON_ONCE" | "BUG_ON"; readonly cond: Expr; readonly text: string; readonly t: IntType; readonly pos: Pos }
  | { readonly e: "assert_held"; readonly mutex: Expr; readonly where: string; readonly t: CType };

export type Stmt =
  | { readonly s: "expr"; readonly x: Expr; readonly line: number }
  | { readonly s: "decl"; readonly slot: number; readonly init: Expr | null; readonly t: CType; readonly line: number }
  | { readonly s: "if"; readonly c: Expr; readonly then: Stmt; readonly else: Stmt | null; readonly line: number }
  | { readonly s: "block"; readonly body: readonly Stmt[]; readonly labels: ReadonlyMap<string, number> }
  | {
      readonly s: "switch";
      readonly c: Expr;
      readonly body: readonly Stmt[];
      readonly cases: readonly { readonly value: bigint | null; readonly at: number }[];
      readonly labels: ReadonlyMap<string, number>;
      readonly line: number;
    }
  | { readonly s: "while"; readonly c: Expr; readonly body: Stmt; readonly line: number }
  | { readonly s: "do"; readonly c: Expr; readonly body: Stmt; readonly line: number }
  | { readonly s: "for"; readonly init: Stmt | null; readonly c: Expr | null; readonly step: Expr | null; readonly body: Stmt; readonly line: number }
  | { readonly s: "return"; readonly x: Expr | null; readonly line: number }
  | { readonly s: "break"; readonly line: number }
  | { readonly s: "continue"; readonly line: number }
  | { readonly s: "goto"; readonly label: string; readonly line: number }
  /** Where a label is: execution continues here after a goto to it. */
  | { readonly s: "label"; readonly name: string };

export interface CFunction {
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly t: CType }[];
  readonly ret: CType;
  readonly body: Stmt;
  /** Number of local slots (parameters first). */
  readonly slots: number;
  readonly line: number;
  /** Lines of the statements it has (for coverage). */
  readonly lines: readonly number[];
}

/** The names of the file's functions that `f` calls. */
export function callees(f: CFunction): Set<string> {
  const out = new Set<string>();
  const expr = (x: Expr | null): void => {
    if (!x) return;
    switch (x.e) {
      case "call":
        out.add(x.name);
        x.args.forEach(expr);
        return;
      case "builtin":
        x.args.forEach(expr);
        return;
      case "field":
      case "addr":
      case "unary":
      case "cast":
        expr(x.e === "field" ? x.base : x.x);
        return;
      case "index":
        expr(x.base);
        expr(x.index);
        return;
      case "binary":
      case "logical":
        expr(x.l);
        expr(x.r);
        return;
      case "cond":
        expr(x.c);
        expr(x.a);
        expr(x.b);
        return;
      case "assign":
        expr(x.place);
        expr(x.value);
        return;
      case "incdec":
        expr(x.place);
        return;
      case "warn":
        expr(x.cond);
        return;
      case "assert_held":
        expr(x.mutex);
        return;
      default:
        return;
    }
  };
  const stmt = (s: Stmt | null): void => {
    if (!s) return;
    switch (s.s) {
      case "expr":
        return expr(s.x);
      case "decl":
        return expr(s.init);
      case "if":
        expr(s.c);
        stmt(s.then);
        return stmt(s.else);
      case "block":
      case "switch":
        if (s.s === "switch") expr(s.c);
        return s.body.forEach(stmt);
      case "while":
      case "do":
        expr(s.c);
        return stmt(s.body);
      case "for":
        stmt(s.init);
        expr(s.c);
        expr(s.step);
        return stmt(s.body);
      case "return":
        return expr(s.x);
      default:
        return;
    }
  };
  stmt(f.body);
  return out;
}
