/**
 * Runs translated C as a kernel path: a generator that yields the runtime's ops for
 * what C does to shared state (a read or write of a shared field, a mutex, a kernel
 * function of the model) and computes everything else itself, with C's integer
 * semantics. Each statement it executes is reported as a `cover` op (file, line), and a
 * step budget stops code that never finishes (a loop that touches nothing shared
 * would otherwise hang the checker).
 */
import { basename } from "node:path";
import type { K } from "../../kernel/rt/ops.js";
import { READ, WARN_ON_ONCE, WRITE, lockdep_assert_held, oops } from "../../kernel/rt/ops.js";
import type { Cell, Mutex } from "../../kernel/rt/state.js";
import { UsageError } from "../../targets/errors.js";
import type { CFunction, Expr, Stmt } from "./ir.js";
import type { IntType } from "./types.js";
import { arith, convert } from "./types.js";
import type { CallCtx, MutexVal, PtrVal, Value } from "./world.js";
import { fromCell, toCell } from "./world.js";

/** Statements (and loop rounds) one call of a hook may execute. */
export const STEP_BUDGET = 100_000;

export interface Program {
  /** The file as messages name it. */
  readonly file: string;
  /** The file as `cover` ops name it: its absolute path, the same in every thread that loads it. */
  readonly source: string;
  readonly functions: ReadonlyMap<string, CFunction>;
}

type Completion = undefined | { readonly k: "break" } | { readonly k: "continue" } | { readonly k: "return"; readonly v: Value } | { readonly k: "goto"; readonly label: string };

/** A place an assignment or a read goes to. */
type Place =
  | { readonly k: "local"; readonly slot: number }
  | { readonly k: "cell"; readonly cell: Cell<unknown>; readonly t: IntType }
  | { readonly k: "plain"; readonly o: object; readonly get: (o: object) => unknown; readonly set?: ((o: object, v: unknown) => void) | undefined; readonly t: IntType }
  | { readonly k: "value"; readonly v: Value };

const truth = (v: Value): boolean => (typeof v === "bigint" ? v !== 0n : (v as PtrVal).p !== null);
const ptrOf = (v: Value): object | null => (typeof v === "bigint" ? null : (v as PtrVal).p);

function plainToInt(v: unknown): bigint {
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (v === undefined) return 0n;
  throw new Error(`a private field holds ${typeof v}, not an integer`);
}

class Run {
  steps = 0;
  constructor(
    readonly prog: Program,
    readonly ctx: CallCtx,
    readonly fname: string,
  ) {}

  tick(): void {
    if (++this.steps > STEP_BUDGET)
      throw new UsageError(`${this.prog.file}: ${this.fname}() ran more than ${STEP_BUDGET} statements in one call (a loop that does not end?)`);
  }

  *call(f: CFunction, args: readonly Value[]): K<Value> {
    const frame: Value[] = new Array(f.slots);
    for (let i = 0; i < args.length; i++) frame[i] = args[i];
    const c = yield* this.stmt(f.body, frame);
    if (c?.k === "return") return c.v;
    if (c?.k === "goto") throw new Error(`goto ${c.label} left ${f.name}()`);
    return undefined; // falling off the end (void, or C's undefined value: the lowering allows it only for void)
  }

  *list(body: readonly Stmt[], labels: ReadonlyMap<string, number>, from: number, frame: Value[]): K<Completion> {
    for (let i = from; i < body.length; i++) {
      const c = yield* this.stmt(body[i]!, frame);
      if (c === undefined) continue;
      if (c.k === "goto") {
        const at = labels.get(c.label);
        if (at !== undefined) {
          i = at; // the label marker; the loop goes on after it
          continue;
        }
      }
      return c;
    }
    return undefined;
  }

  *stmt(s: Stmt, frame: Value[]): K<Completion> {
    if (s.s !== "block" && s.s !== "label") {
      this.tick();
      yield { kind: "cover", file: this.prog.source, line: s.line };
    }
    switch (s.s) {
      case "block":
        return yield* this.list(s.body, s.labels, 0, frame);
      case "label":
        return undefined;
      case "expr":
        yield* this.expr(s.x, frame);
        return undefined;
      case "decl":
        frame[s.slot] = s.init ? yield* this.expr(s.init, frame) : s.t.k === "int" ? 0n : s.t.k === "ptr" ? { p: null } : undefined;
        return undefined;
      case "if":
        if (truth(yield* this.expr(s.c, frame))) return yield* this.stmt(s.then, frame);
        return s.else ? yield* this.stmt(s.else, frame) : undefined;
      case "switch": {
        const v = (yield* this.expr(s.c, frame)) as bigint;
        const hit = s.cases.find((c) => c.value === v) ?? s.cases.find((c) => c.value === null);
        if (!hit) return undefined;
        const c = yield* this.list(s.body, s.labels, hit.at, frame);
        return c?.k === "break" ? undefined : c;
      }
      case "while":
      case "do":
      case "for": {
        if (s.s === "for" && s.init) yield* this.stmt(s.init, frame);
        let first = s.s === "do";
        for (;;) {
          this.tick();
          if (!first && s.c && !truth(yield* this.expr(s.c, frame))) return undefined;
          first = false;
          const r = yield* this.stmt(s.body, frame);
          if (r?.k === "break") return undefined;
          if (r && r.k !== "continue") return r;
          if (s.s === "for" && s.step) yield* this.expr(s.step, frame);
        }
      }
      case "return":
        return { k: "return", v: s.x ? yield* this.expr(s.x, frame) : undefined };
      case "break":
        return { k: "break" };
      case "continue":
        return { k: "continue" };
      case "goto":
        return { k: "goto", label: s.label };
    }
  }

  /** The object a pointer-typed (or embedded-struct) expression designates; NULL oopses. */
  *object(x: Expr, frame: Value[], what: string): K<object> {
    const p = ptrOf(yield* this.expr(x, frame));
    if (p === null) return yield* oops(`NULL pointer dereference: ${what} with a NULL pointer (${basename(this.prog.source)})`);
    return p;
  }

  *place(x: Expr, frame: Value[]): K<Place> {
    if (x.e === "local") return { k: "local", slot: x.slot };
    if (x.e === "field") {
      const o = yield* this.object(x.base, frame, `->${x.name}`);
      const f = x.f;
      switch (f.kind) {
        case "cell":
          return { k: "cell", cell: f.cell(o), t: f.type };
        case "plain":
          return { k: "plain", o, get: f.get, set: f.set, t: f.type };
        case "mutex":
          return { k: "value", v: { m: f.mutex(o) } satisfies MutexVal };
        case "struct":
          return { k: "value", v: { p: f.get(o) } };
        case "ptr":
          return { k: "value", v: { p: f.get(o) } };
        case "array":
          return { k: "value", v: { p: f.get(o) } };
      }
    }
    return { k: "value", v: yield* this.expr(x, frame) };
  }

  *load(p: Place, frame: Value[]): K<Value> {
    switch (p.k) {
      case "local":
        return frame[p.slot];
      case "cell":
        return convert(fromCell(yield* READ(p.cell)), p.t);
      case "plain":
        return convert(plainToInt(p.get(p.o)), p.t);
      case "value":
        return p.v;
    }
  }

  *store(p: Place, v: Value, frame: Value[]): K<void> {
    switch (p.k) {
      case "local":
        frame[p.slot] = v;
        return;
      case "cell":
        yield* WRITE(p.cell, toCell(v as bigint, p.t));
        return;
      case "plain":
        p.set!(p.o, toCell(v as bigint, p.t));
        return;
      case "value":
        throw new Error("store to a value");
    }
  }

  *expr(x: Expr, frame: Value[]): K<Value> {
    switch (x.e) {
      case "num":
        return x.v;
      case "null":
        return { p: null };
      case "local":
        return frame[x.slot];
      case "field":
        return yield* this.load(yield* this.place(x, frame), frame);
      case "index": {
        const arr = ptrOf(yield* this.expr(x.base, frame)) as readonly number[];
        const i = (yield* this.expr(x.index, frame)) as bigint;
        if (i < 0n || i >= BigInt(x.length)) return yield* oops(`index ${i} out of bounds of an array of ${x.length} (${basename(this.prog.source)})`);
        return convert(BigInt(arr[Number(i)] ?? 0), x.t);
      }
      case "addr":
        return yield* this.load(yield* this.place(x.x, frame), frame);
      case "unary": {
        const v = yield* this.expr(x.x, frame);
        if (x.op === "!") return truth(v) ? 0n : 1n;
        const a = convert(v as bigint, x.t);
        return convert(x.op === "-" ? -a : x.op === "~" ? ~a : a, x.t);
      }
      case "binary": {
        const a = yield* this.expr(x.l, frame);
        const b = yield* this.expr(x.r, frame);
        if (x.ct === null && x.op !== "<<" && x.op !== ">>") {
          const same = ptrOf(a) === ptrOf(b);
          return (x.op === "==") === same ? 1n : 0n;
        }
        const r = arith(x.op, a as bigint, b as bigint, x.t, x.ct);
        if (r === null)
          return yield* oops(
            x.op === "<<" || x.op === ">>"
              ? `shift out of bounds: ${x.op} ${b} on a ${x.t.bits}-bit value (${basename(this.prog.source)})`
              : `divide error: ${x.op} by zero (${basename(this.prog.source)})`,
          );
        return r;
      }
      case "logical": {
        const l = truth(yield* this.expr(x.l, frame));
        if (x.op === "&&" ? !l : l) return x.op === "&&" ? 0n : 1n;
        return truth(yield* this.expr(x.r, frame)) ? 1n : 0n;
      }
      case "cond":
        return truth(yield* this.expr(x.c, frame)) ? yield* this.expr(x.a, frame) : yield* this.expr(x.b, frame);
      case "cast": {
        const v = yield* this.expr(x.x, frame);
        if (x.t.k === "void") return undefined;
        if (x.t.k === "int") return typeof v === "bigint" ? convert(v, x.t) : truth(v) ? 1n : 0n;
        return v;
      }
      case "assign": {
        const p = yield* this.place(x.place, frame);
        // A compound assignment reads the place through its own IR (x.value contains x.place).
        const v = yield* this.expr(x.value, frame);
        yield* this.store(p, v, frame);
        return v;
      }
      case "incdec": {
        const p = yield* this.place(x.place, frame);
        const old = (yield* this.load(p, frame)) as bigint;
        const v = convert(x.op === "++" ? old + 1n : old - 1n, x.t);
        yield* this.store(p, v, frame);
        return x.prefix ? v : old;
      }
      case "builtin": {
        const args: Value[] = [];
        for (const a of x.args) args.push(yield* this.expr(a, frame));
        return yield* x.fn.impl(args, this.ctx);
      }
      case "call": {
        const f = this.prog.functions.get(x.name)!;
        const args: Value[] = [];
        for (const a of x.args) args.push(yield* this.expr(a, frame));
        return yield* this.call(f, args);
      }
      case "warn": {
        const c = truth(yield* this.expr(x.cond, frame));
        if (c && x.kind === "BUG_ON") return yield* oops(`BUG: ${x.text}`);
        yield* WARN_ON_ONCE(c, x.text);
        return c ? 1n : 0n;
      }
      case "assert_held": {
        const m = (yield* this.expr(x.mutex, frame)) as MutexVal;
        yield* lockdep_assert_held(m.m as Mutex, x.where);
        return undefined;
      }
    }
  }
}

/** Calls `f` of `prog` with C values: the kernel path of one hook invocation. */
export function* runC(prog: Program, f: CFunction, args: readonly Value[], ctx: CallCtx): K<Value> {
  return yield* new Run(prog, ctx, f.name).call(f, args);
}
