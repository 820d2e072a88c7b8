/**
 * From tree-sitter's C syntax tree to the IR (ir.ts): every name resolved against the
 * target's world, every expression typed with C's rules. What is outside the subset
 * (pointers other than the kernel structs', loops of no known shape, sizeof, strings,
 * backward goto, an unknown field or function...) is refused here, at load time, with
 * its position: a variant is translated whole or not at all.
 */
import type { Node } from "web-tree-sitter";
import type { CFunction, Expr, Pos, Stmt } from "./ir.js";
import { pos } from "./parse.js";
import { configOption, preprocBranch } from "./preproc.js";
import { OUTSIDE, refusal } from "./refuse.js";
import type { CType, IntType } from "./types.js";
import { BOOL, INT, INT_TYPES, LONG, UINT, ULONG, VOID, arith, common, convert, isInt, isScalar, promote, typeName } from "./types.js";
import type { Builtin, StructDesc, World } from "./world.js";


/** A syntax node's kind as a refusal names it: "a while statement", "an enum specifier". */
function construct(n: Node): string {
  const words = n.type.replace(/_/g, " ");
  return `${/^[aeiou]/.test(words) ? "an" : "a"} ${words}`;
}

/** What the translation of a file found besides its functions. */
export interface Lowered {
  readonly functions: ReadonlyMap<string, CFunction>;
  /** `#define KVM_CAP_...` and other integer macros of the file. */
  readonly defines: ReadonlyMap<string, { readonly value: bigint; readonly type: IntType }>;
  /** `struct.field` names the code touches (riscv: which design it is written for). */
  readonly fieldsUsed: ReadonlySet<string>;
}

interface Signature {
  readonly params: readonly { readonly name: string; readonly t: CType }[];
  readonly ret: CType;
}

/** The lowering of one file. */
class Lowerer {
  readonly defines = new Map<string, { value: bigint; type: IntType }>();
  readonly fieldsUsed = new Set<string>();
  readonly signatures = new Map<string, Signature>();
  // Per function:
  private scopes: Map<string, { slot: number; t: CType }>[] = [];
  private slots = 0;
  private fname = "";
  private lines = new Set<number>();
  /** Labels of the blocks being lowered (innermost last), with the block's id. */
  private blockLabels: { id: number; names: Set<string> }[] = [];
  private blockIds = 0;
  private labelsSeen = new Map<string, { at: number; block: number }>();
  private gotos: { node: Node; label: string; at: number; blocks: number[] }[] = [];

  constructor(
    readonly file: string,
    readonly world: World,
    /** Parses a macro's text as a C expression (null if it is not one). */
    readonly parseExpr: (text: string) => Node | null,
  ) {}

  refuse(n: Node | Pos, what: string): never {
    throw refusal(this.file, "line" in n ? n : pos(n), what);
  }

  // ---- types ----------------------------------------------------------------------

  /** The type a declaration's `type` node names, with `pointer` levels from its declarator. */
  typeOf(typeNode: Node, pointers: number): CType {
    if (typeNode.type === "struct_specifier") {
      const name = typeNode.childForFieldName("name")?.text ?? "";
      const desc = this.world.structs[name];
      if (!desc) this.refuse(typeNode, `struct ${name}: the model has no such struct (known: ${Object.keys(this.world.structs).map((s) => `struct ${s}`).join(", ")})`);
      if (pointers !== 1) this.refuse(typeNode, `struct ${name} ${pointers ? "with more than one *" : "by value"} ${OUTSIDE} (use struct ${name} *)`);
      return { k: "ptr", to: desc };
    }
    if (typeNode.type === "primitive_type" && typeNode.text === "void") {
      if (pointers) this.refuse(typeNode, `void * ${OUTSIDE}`);
      return VOID;
    }
    const name = typeNode.text.replace(/\s+/g, " ");
    const t = INT_TYPES[name];
    if (!t) this.refuse(typeNode, `type '${name}' ${OUTSIDE} (integers, bool and pointers to the kernel structs the model has)`);
    if (pointers) this.refuse(typeNode, `a pointer to ${name} ${OUTSIDE}`);
    return t;
  }

  /** A declarator's name and how many `*` it has; arrays and function pointers are refused. */
  declarator(d: Node): { name: string; pointers: number; node: Node } {
    let pointers = 0;
    let n = d;
    while (n.type === "pointer_declarator") {
      pointers++;
      n = n.childForFieldName("declarator")!;
    }
    if (n.type !== "identifier") this.refuse(n, `${construct(n)} ${OUTSIDE}`);
    return { name: n.text, pointers, node: n };
  }

  // ---- top level --------------------------------------------------------------------

  topLevel(root: Node): void {
    const defs: Node[] = [];
    for (const n of root.namedChildren) {
      if (!n) continue;
      switch (n.type) {
        case "comment":
        case "preproc_include":
          break;
        case "preproc_def":
          this.define(n);
          break;
        case "function_definition": {
          defs.push(n);
          const [name, sig] = this.signature(n);
          if (this.signatures.has(name)) this.refuse(n, `${name}() is defined twice`);
          this.signatures.set(name, sig);
          break;
        }
        case "declaration":
          // A prototype is fine (the definition, if any, is what runs); anything else is not.
          if (!n.namedChildren.some((c) => c?.type === "function_declarator")) this.refuse(n, `a global variable ${OUTSIDE} (shared state is the model's)`);
          break;
        default:
          this.refuse(n, `${construct(n)} at the top level ${OUTSIDE} (function definitions and #define of integers)`);
      }
    }
    this.defs = defs;
  }

  defs: Node[] = [];

  /** `#define NAME <integer expression>` (e.g. a KVM_CAP_ number the patch adds to the uapi header). */
  define(n: Node): void {
    const name = n.childForFieldName("name")!.text;
    const value = n.childForFieldName("value");
    if (!value) this.refuse(n, `#define ${name} without a value ${OUTSIDE}`);
    const e = this.constExprOf(value, value.text);
    this.defines.set(name, e);
  }

  /** Macro text as a constant expression: parsed as C by wrapping it in a declaration. */
  constExprOf(at: Node, text: string): { value: bigint; type: IntType } {
    const p = this.parseExpr(text);
    if (!p) this.refuse(at, `#define with the value '${text.trim()}' ${OUTSIDE} (an integer constant expression)`);
    const e = this.expr(p, pos(at));
    return { value: this.constValue(e, at), type: e.t as IntType };
  }

  signature(n: Node): [string, Signature] {
    let d = n.childForFieldName("declarator")!;
    let pointers = 0;
    while (d.type === "pointer_declarator") {
      pointers++;
      d = d.childForFieldName("declarator")!;
    }
    if (d.type !== "function_declarator") this.refuse(d, `${construct(d)} ${OUTSIDE}`);
    const name = d.childForFieldName("declarator")!.text;
    const ret = this.typeOf(n.childForFieldName("type")!, pointers);
    const params: { name: string; t: CType }[] = [];
    for (const p of d.childForFieldName("parameters")!.namedChildren) {
      if (!p || p.type === "comment") continue;
      if (p.type !== "parameter_declaration") this.refuse(p, `a parameter like '${p.text}' ${OUTSIDE}`);
      const pd = p.childForFieldName("declarator");
      const typeNode = p.childForFieldName("type")!;
      if (!pd) {
        if (typeNode.text === "void") continue; // f(void)
        this.refuse(p, `a parameter without a name ${OUTSIDE}`);
      }
      const { name: pname, pointers: pp } = this.declarator(pd);
      const t = this.typeOf(typeNode, pp);
      if (t.k === "void") this.refuse(p, `a void parameter ${OUTSIDE}`);
      params.push({ name: pname, t });
    }
    return [name, { params, ret }];
  }

  functionOf(n: Node): CFunction {
    const [name, sig] = this.signature(n);
    this.fname = name;
    this.scopes = [new Map()];
    this.slots = 0;
    this.lines = new Set();
    this.blockLabels = [];
    this.labelsSeen = new Map();
    this.gotos = [];
    for (const p of sig.params) this.scopes[0]!.set(p.name, { slot: this.slots++, t: p.t });
    const bodyNode = n.childForFieldName("body")!;
    const body = this.block(bodyNode);
    for (const g of this.gotos) {
      const l = this.labelsSeen.get(g.label);
      if (!l) this.refuse(g.node, `goto ${g.label}: no such label in ${name}()`);
      if (l.at < g.at) this.refuse(g.node, `a backward goto (to ${g.label}) ${OUTSIDE} (forward goto to a cleanup label only)`);
      if (!g.blocks.includes(l.block)) this.refuse(g.node, `goto ${g.label} into a block ${OUTSIDE}`);
    }
    return { name, params: sig.params, ret: sig.ret, body, slots: this.slots, line: pos(n).line, lines: [...this.lines].sort((a, b) => a - b) };
  }

  // ---- statements -------------------------------------------------------------------

  line(n: Node): number {
    const l = pos(n).line;
    this.lines.add(l);
    return l;
  }

  /** Labels directly in a statement list (through nested labels and preprocessor branches). */
  private collectLabels(nodes: readonly Node[], into: Set<string>): void {
    for (const n of nodes) {
      if (n.type === "labeled_statement") {
        into.add(n.childForFieldName("label")!.text);
        this.collectLabels(n.namedChildren.filter((c): c is Node => !!c && c.type !== "statement_identifier"), into);
      } else if (n.type.startsWith("preproc_")) this.collectLabels(this.preprocBranch(n), into);
    }
  }

  /** A statement list with its own scope and labels: a block, or a switch's body. */
  private list(nodes: readonly Node[], onCase?: (n: Node, at: number) => void): { body: Stmt[]; labels: Map<string, number> } {
    const id = ++this.blockIds;
    const names = new Set<string>();
    this.collectLabels(nodes, names);
    this.blockLabels.push({ id, names });
    this.scopes.push(new Map());
    const body: Stmt[] = [];
    const labels = new Map<string, number>();
    const add = (n: Node): void => {
      if (n.type === "labeled_statement") {
        const name = n.childForFieldName("label")!.text;
        labels.set(name, body.length);
        this.labelsSeen.set(name, { at: n.startIndex, block: id });
        body.push({ s: "label", name });
        for (const c of n.namedChildren) if (c && c.type !== "statement_identifier") add(c);
      } else if (n.type === "case_statement" && onCase) {
        onCase(n, body.length);
        const value = n.childForFieldName("value");
        for (const c of n.namedChildren) if (c && c.id !== value?.id) add(c);
      } else if (n.type.startsWith("preproc_")) {
        for (const c of this.preprocBranch(n)) add(c);
      } else body.push(...this.stmt(n));
    };
    for (const n of nodes) add(n);
    this.scopes.pop();
    this.blockLabels.pop();
    return { body, labels };
  }

  block(n: Node): Stmt {
    const { body, labels } = this.list(n.namedChildren.filter((c): c is Node => !!c));
    return { s: "block", body, labels };
  }

  /** The statements of the branch of `#ifdef` / `#if` the simulated host's config takes. */
  preprocBranch(n: Node): Node[] {
    return preprocBranch(n, this.world.config, (at, what) => this.refuse(at, what));
  }

  config(at: Node, name: string): boolean {
    return configOption(at, name, this.world.config, (x, what) => this.refuse(x, what));
  }

  stmt(n: Node): Stmt[] {
    switch (n.type) {
      case "comment":
        return [];
      case "compound_statement":
        return [this.block(n)];
      case "declaration":
        return this.declaration(n);
      case "expression_statement": {
        const x = n.namedChildren[0];
        if (!x) return [];
        const line = this.line(n);
        return [{ s: "expr", x: this.expr(x), line }];
      }
      case "if_statement": {
        const line = this.line(n);
        const c = this.cond(n.childForFieldName("condition")!);
        const then = this.single(n.childForFieldName("consequence")!);
        const alt = n.childForFieldName("alternative");
        const els = alt ? this.single(alt.namedChildren.find((c) => c && c.type !== "comment")!) : null;
        return [{ s: "if", c, then, else: els, line }];
      }
      case "switch_statement":
        return [this.switchStmt(n)];
      case "while_statement": {
        const line = this.line(n);
        return [{ s: "while", c: this.cond(n.childForFieldName("condition")!), body: this.single(n.childForFieldName("body")!), line }];
      }
      case "do_statement": {
        const line = this.line(n);
        const body = this.single(n.childForFieldName("body")!);
        return [{ s: "do", c: this.cond(n.childForFieldName("condition")!), body, line }];
      }
      case "for_statement": {
        const line = this.line(n);
        this.scopes.push(new Map());
        const initNode = n.childForFieldName("initializer");
        const init = initNode ? (initNode.type === "declaration" ? { s: "block", body: this.declaration(initNode), labels: new Map() } as Stmt : { s: "expr", x: this.expr(initNode), line } as Stmt) : null;
        const c = n.childForFieldName("condition");
        const step = n.childForFieldName("update");
        const out: Stmt = {
          s: "for",
          init,
          c: c ? this.cond(c) : null,
          step: step ? this.expr(step) : null,
          body: this.single(n.childForFieldName("body")!),
          line,
        };
        this.scopes.pop();
        return [out];
      }
      case "return_statement": {
        const line = this.line(n);
        const x = n.namedChildren.find((c) => c && c.type !== "comment");
        const sig = this.signatures.get(this.fname)!;
        if (x && sig.ret.k === "void") this.refuse(n, `${this.fname}() returns void: return with a value`);
        if (!x && sig.ret.k !== "void") this.refuse(n, `${this.fname}() returns ${typeName(sig.ret)}: return without a value`);
        return [{ s: "return", x: x ? this.convertTo(this.expr(x), sig.ret, x) : null, line }];
      }
      case "break_statement":
        return [{ s: "break", line: this.line(n) }];
      case "continue_statement":
        return [{ s: "continue", line: this.line(n) }];
      case "goto_statement": {
        const label = n.childForFieldName("label")!.text;
        this.gotos.push({ node: n, label, at: n.startIndex, blocks: this.blockLabels.map((b) => b.id) });
        return [{ s: "goto", label, line: this.line(n) }];
      }
      case "labeled_statement":
      case "case_statement":
        return this.refuse(n, `a ${n.type === "case_statement" ? "case label" : "label"} nested this way ${OUTSIDE}`);
      default:
        if (n.type.startsWith("preproc_")) return this.preprocBranch(n).flatMap((c) => this.stmt(c));
        return this.refuse(n, `${construct(n)} ${OUTSIDE}`);
    }
  }

  /** The body of an if/loop: one statement, as a block if it declares. */
  single(n: Node): Stmt {
    const ss = this.stmt(n);
    return ss.length === 1 ? ss[0]! : { s: "block", body: ss, labels: new Map() };
  }

  declaration(n: Node): Stmt[] {
    const typeNode = n.childForFieldName("type")!;
    for (const c of n.children) if (c && (c.type === "storage_class_specifier" && c.text !== "const")) this.refuse(c, `a ${c.text} local ${OUTSIDE}`);
    const out: Stmt[] = [];
    for (const d of n.childrenForFieldName("declarator")) {
      if (!d) continue;
      const line = this.line(d);
      const init = d.type === "init_declarator" ? d.childForFieldName("value") : null;
      const { name, pointers, node } = this.declarator(d.type === "init_declarator" ? d.childForFieldName("declarator")! : d);
      const t = this.typeOf(typeNode, pointers);
      if (t.k === "void") this.refuse(d, `a void local ${OUTSIDE}`);
      if (init?.type === "initializer_list") this.refuse(init, `an initializer list ${OUTSIDE}`);
      const x = init ? this.convertTo(this.expr(init), t, init) : null;
      const scope = this.scopes[this.scopes.length - 1]!;
      if (scope.has(name)) this.refuse(node, `'${name}' is declared twice in one scope`);
      const slot = this.slots++;
      scope.set(name, { slot, t });
      out.push({ s: "decl", slot, init: x, t, line });
    }
    return out;
  }

  switchStmt(n: Node): Stmt {
    const line = this.line(n);
    const c = this.expr(n.childForFieldName("condition")!.namedChildren[0]!);
    if (!isInt(c.t)) this.refuse(n, `switch on a ${typeName(c.t)}`);
    const ct = promote(c.t);
    const bodyNode = n.childForFieldName("body")!;
    const cases: { value: bigint | null; at: number }[] = [];
    const { body, labels } = this.list(
      bodyNode.namedChildren.filter((x): x is Node => !!x),
      (cn, at) => {
        const v = cn.childForFieldName("value");
        const value = v ? convert(this.constValue(this.expr(v), v), ct) : null;
        if (cases.some((k) => k.value === value)) this.refuse(cn, v ? `duplicate case value ${v.text}` : "two default labels");
        cases.push({ value, at });
      },
    );
    return { s: "switch", c: { e: "cast", x: c, t: ct }, body, cases, labels, line };
  }

  // ---- expressions ------------------------------------------------------------------

  cond(n: Node): Expr {
    const x = this.expr(n.type === "parenthesized_expression" ? n.namedChildren[0]! : n);
    if (!isScalar(x.t)) this.refuse(n, `a condition of type ${typeName(x.t)}`);
    return x;
  }

  lookup(name: string): { slot: number; t: CType } | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]!.get(name);
      if (v) return v;
    }
    return undefined;
  }

  /** An integer literal with C's typing (int, then long / unsigned variants by suffix and size). */
  number(n: Node): Expr {
    // tree-sitter-c takes the sign of `-1` into the literal: C has no negative literals,
    // it is unary minus applied to 1 (typed as 1 is).
    const sign = /^[-+]/.exec(n.text)?.[0];
    if (sign) {
      const x = this.numberText(n, n.text.slice(1).trim());
      return { e: "unary", op: sign as "-" | "+", x, t: promote(x.t) };
    }
    return this.numberText(n, n.text);
  }

  numberText(n: Node, literal: string): Expr & { t: IntType } {
    const text = literal.toLowerCase();
    const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)(u?l{0,2}|l{1,2}u)$/.exec(text);
    if (!m) return this.refuse(n, `the number ${n.text} ${OUTSIDE} (integers only)`);
    const v = BigInt(m[1]!.startsWith("0x") ? m[1]! : m[1]!.length > 1 && m[1]!.startsWith("0") ? `0o${m[1]!.slice(1)}` : m[1]!);
    const suffix = m[2]!;
    const unsigned = suffix.includes("u");
    const long = suffix.includes("l");
    const decimal = !m[1]!.startsWith("0") || m[1] === "0";
    let t: IntType;
    if (!long && !unsigned && v < 2n ** 31n) t = INT;
    else if (!long && v < 2n ** 32n && (unsigned || !decimal)) t = UINT;
    else if (!unsigned && v < 2n ** 63n) t = LONG;
    else t = ULONG;
    if (v >= 2n ** 64n) this.refuse(n, `the number ${n.text} does not fit 64 bits`);
    return { e: "num", v, t } as Expr & { t: IntType };
  }

  /** Evaluates a constant expression (case labels, #define values). */
  constValue(e: Expr, at: Node): bigint {
    const v = (x: Expr): bigint => {
      switch (x.e) {
        case "num":
          return x.v;
        case "cast":
          return convert(v(x.x), x.t as IntType);
        case "unary": {
          const a = convert(v(x.x), x.t);
          return convert(x.op === "-" ? -a : x.op === "~" ? ~a : x.op === "!" ? (a === 0n ? 1n : 0n) : a, x.t);
        }
        case "binary":
          return arith(x.op, v(x.l), v(x.r), x.t, x.ct) ?? this.refuse(at, "a division by zero or a shift out of range in a constant expression");
        case "logical":
          return x.op === "&&" ? (v(x.l) !== 0n && v(x.r) !== 0n ? 1n : 0n) : v(x.l) !== 0n || v(x.r) !== 0n ? 1n : 0n;
        case "cond":
          return v(x.c) !== 0n ? v(x.a) : v(x.b);
        default:
          return this.refuse(at, `'${at.text}' is not a constant expression`);
      }
    };
    return v(e);
  }

  convertTo(x: Expr, t: CType, at: Node): Expr {
    if (t.k === "int" && x.t.k === "int") return x.t === t ? x : { e: "cast", x, t };
    if (t.k === "int" && t.bits === 1 && x.t.k === "ptr") return { e: "cast", x, t };
    if (t.k === "ptr" && x.e === "null") return { e: "null", t };
    if (t.k === "ptr" && x.t.k === "ptr" && x.t.to === t.to) return x;
    if (t.k === "ptr" && x.e === "num" && x.v === 0n) return { e: "null", t };
    if (t.k === "mutex" && x.t.k === "mutex") return x;
    return this.refuse(at, `${typeName(x.t)} where ${typeName(t)} is expected`);
  }

  expr(n: Node, at?: Pos): Expr {
    // Nodes of a re-parsed #define value carry positions in the snippet: report the #define's.
    const where = (x: Node): Node | Pos => at ?? x;
    const no = (x: Node, what: string): never => this.refuse(where(x), what);
    switch (n.type) {
      case "parenthesized_expression":
        return this.expr(n.namedChildren.find((c) => c && c.type !== "comment")!, at);
      case "number_literal":
        return this.number(n);
      case "true":
        return { e: "num", v: 1n, t: BOOL };
      case "false":
        return { e: "num", v: 0n, t: BOOL };
      case "null":
        return { e: "null", t: INT };
      case "identifier": {
        const name = n.text;
        const local = this.lookup(name);
        if (local) return { e: "local", slot: local.slot, t: local.t };
        const d = this.defines.get(name) ?? this.world.constants[name];
        if (d) return { e: "num", v: d.value, t: d.type };
        if (name === "NULL") return { e: "null", t: INT };
        return no(n, `'${name}': not a local, a parameter or a constant the model knows`);
      }
      case "field_expression": {
        const base = this.expr(n.childForFieldName("argument")!, at);
        const arrow = n.childForFieldName("operator")!.text === "->";
        const fname = n.childForFieldName("field")!.text;
        let desc: StructDesc;
        if (arrow && base.t.k === "ptr") desc = base.t.to;
        else if (!arrow && base.t.k === "struct") desc = base.t.desc;
        else return no(n, `'${n.text}': ${arrow ? "->" : "."} on a ${typeName(base.t)}`);
        const f = desc.fields[fname];
        if (!f) return no(n.childForFieldName("field")!, `${desc.name}->${fname}: the model has no such field (it has ${Object.keys(desc.fields).join(", ") || "none"})`);
        this.fieldsUsed.add(`${desc.name}.${fname}`);
        const t: CType =
          f.kind === "cell" || f.kind === "plain"
            ? f.type
            : f.kind === "mutex"
              ? { k: "mutex" }
              : f.kind === "struct"
                ? { k: "struct", desc: f.desc() }
                : f.kind === "ptr"
                  ? { k: "ptr", to: f.desc() }
                  : { k: "array", of: f.of, length: f.length };
        return { e: "field", base, name: fname, f, t, pos: pos(n) };
      }
      case "subscript_expression": {
        const base = this.expr(n.childForFieldName("argument")!, at);
        if (base.t.k !== "array") return no(n, `'${n.text}': indexing a ${typeName(base.t)} ${OUTSIDE}`);
        const index = this.expr(n.childForFieldName("index")!, at);
        if (!isInt(index.t)) return no(n, `an index of type ${typeName(index.t)}`);
        return { e: "index", base, index, length: base.t.length, t: base.t.of };
      }
      case "pointer_expression": {
        const op = n.childForFieldName("operator")!.text;
        const x = this.expr(n.childForFieldName("argument")!, at);
        if (op !== "&") return no(n, `dereferencing with * ${OUTSIDE} (use ->)`);
        if (x.e === "field" && x.t.k === "mutex") return { e: "addr", x, t: x.t };
        if (x.e === "field" && x.t.k === "struct") return { e: "addr", x, t: { k: "ptr", to: x.t.desc } };
        return no(n, `taking the address of '${n.child(1)?.text ?? n.text}' ${OUTSIDE} (only &struct->mutex and &struct->embedded_struct)`);
      }
      case "unary_expression": {
        const op = n.childForFieldName("operator")!.text as "-" | "~" | "!" | "+";
        const x = this.expr(n.childForFieldName("argument")!, at);
        if (op === "!") {
          if (!isScalar(x.t)) return no(n, `! on a ${typeName(x.t)}`);
          return { e: "unary", op, x, t: INT };
        }
        if (!isInt(x.t)) return no(n, `${op} on a ${typeName(x.t)}`);
        return { e: "unary", op, x, t: promote(x.t) };
      }
      case "binary_expression":
        return this.binary(n, at);
      case "conditional_expression": {
        const mid = n.childForFieldName("consequence");
        if (!mid) return no(n, `GNU's ?: without a middle operand ${OUTSIDE} (write x ? x : y)`);
        const c = this.expr(n.childForFieldName("condition")!, at);
        const a = this.expr(mid, at);
        const b = this.expr(n.childForFieldName("alternative")!, at);
        if (!isScalar(c.t)) return no(n, `a condition of type ${typeName(c.t)}`);
        if (isInt(a.t) && isInt(b.t)) {
          const t = common(a.t, b.t);
          return { e: "cond", c, a: { e: "cast", x: a, t }, b: { e: "cast", x: b, t }, t };
        }
        if (a.t.k === "ptr" && (b.t.k === "ptr" || b.e === "null")) return { e: "cond", c, a, b, t: a.t };
        return no(n, `?: with ${typeName(a.t)} and ${typeName(b.t)}`);
      }
      case "cast_expression": {
        const td = n.childForFieldName("type")!;
        const tn = td.childForFieldName("type")!;
        const abs = td.childForFieldName("declarator");
        const t = this.typeOf(tn, abs ? (abs.text.match(/\*/g) ?? []).length : 0);
        const x = this.expr(n.childForFieldName("value")!, at);
        if (t.k === "void") return { e: "cast", x, t };
        return this.convertTo(x, t, n);
      }
      case "assignment_expression": {
        const place = this.expr(n.childForFieldName("left")!, at);
        const op = n.childForFieldName("operator")!.text;
        this.assignable(place, n);
        let value = this.expr(n.childForFieldName("right")!, at);
        if (op !== "=") {
          if (!isInt(place.t) || !isInt(value.t)) return no(n, `${op} on a ${typeName(place.t)}`);
          const bop = op.slice(0, -1);
          const shift = bop === "<<" || bop === ">>";
          const ct = shift ? promote(place.t) : common(place.t, value.t);
          value = { e: "binary", op: bop, l: place, r: value, t: ct, ct: shift ? null : ct };
        }
        return { e: "assign", op, place, value: this.convertTo(value, place.t, n), t: place.t };
      }
      case "update_expression": {
        const arg = n.childForFieldName("argument")!;
        const place = this.expr(arg, at);
        this.assignable(place, n);
        if (!isInt(place.t)) return no(n, `++/-- on a ${typeName(place.t)}`);
        return { e: "incdec", op: n.childForFieldName("operator")!.text as "++" | "--", prefix: n.child(0) !== arg, place, t: place.t };
      }
      case "call_expression":
        return this.call(n, at);
      case "sizeof_expression": {
        // sizeof(struct X) of a struct whose size the model knows (the kernel's, x86-64).
        const td = n.childForFieldName("type");
        const st = td?.childForFieldName("type");
        const size = st?.type === "struct_specifier" && !td!.childForFieldName("declarator") ? this.world.sizes?.[st.childForFieldName("name")?.text ?? ""] : undefined;
        const known = Object.keys(this.world.sizes ?? {}).map((k) => `sizeof(struct ${k})`);
        if (size === undefined) return no(n, `sizeof ${OUTSIDE}${known.length ? ` (the model knows ${known.join(", ")})` : ""}`);
        return { e: "num", v: BigInt(size), t: ULONG };
      }
      case "string_literal":
      case "concatenated_string":
        return no(n, `a string ${OUTSIDE}`);
      case "comma_expression":
        return no(n, `the comma operator ${OUTSIDE}`);
      default:
        return no(n, `${construct(n)} ${OUTSIDE}`);
    }
  }

  assignable(place: Expr, n: Node): void {
    if (place.e === "local" && place.t.k !== "void") return;
    if (place.e === "field" && (place.f.kind === "cell" || (place.f.kind === "plain" && place.f.set))) return;
    this.refuse(n, `assigning to '${n.childForFieldName("left")?.text ?? n.text}' ${OUTSIDE} (locals and the model's shared fields)`);
  }

  binary(n: Node, at?: Pos): Expr {
    const op = n.childForFieldName("operator")!.text;
    const l = this.expr(n.childForFieldName("left")!, at);
    const r = this.expr(n.childForFieldName("right")!, at);
    const where = at ?? n;
    if (op === "&&" || op === "||") {
      if (!isScalar(l.t) || !isScalar(r.t)) this.refuse(where, `${op} on a ${typeName(isScalar(l.t) ? r.t : l.t)}`);
      return { e: "logical", op, l, r, t: INT };
    }
    const cmp = ["==", "!=", "<", ">", "<=", ">="].includes(op);
    if (cmp && (l.t.k === "ptr" || r.t.k === "ptr" || l.e === "null" || r.e === "null")) {
      const ok = (x: Expr) => x.t.k === "ptr" || x.e === "null" || (x.e === "num" && x.v === 0n);
      if ((op !== "==" && op !== "!=") || !ok(l) || !ok(r)) this.refuse(where, `comparing ${typeName(l.t)} and ${typeName(r.t)} with ${op}`);
      return { e: "binary", op, l, r, t: INT, ct: null };
    }
    if (!isInt(l.t) || !isInt(r.t)) return this.refuse(where, `${op} on a ${typeName(isInt(l.t) ? r.t : l.t)}`);
    if (!["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"].includes(op) && !cmp) return this.refuse(where, `the operator ${op} ${OUTSIDE}`);
    if (op === "<<" || op === ">>") return { e: "binary", op, l, r, t: promote(l.t), ct: null };
    const ct = common(l.t, r.t);
    return { e: "binary", op, l, r, t: cmp ? INT : ct, ct };
  }

  /** Kernel macros the front end knows, the file's functions, then the model's kernel functions. */
  call(n: Node, at?: Pos): Expr {
    const fnode = n.childForFieldName("function")!;
    const where = at ?? n;
    if (fnode.type !== "identifier") return this.refuse(where, `calling '${fnode.text}' (not a plain function name) ${OUTSIDE}`);
    const name = fnode.text;
    const argNodes = n.childForFieldName("arguments")!.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
    const arity = (k: number) => {
      if (argNodes.length !== k) this.refuse(where, `${name}() takes ${k} argument${k === 1 ? "" : "s"}, not ${argNodes.length}`);
    };
    // Tracepoints are compiled out in the model: their arguments are not evaluated.
    if (name.startsWith("trace_")) return { e: "cast", x: { e: "num", v: 0n, t: INT }, t: VOID };
    switch (name) {
      case "likely":
      case "unlikely":
        arity(1);
        return this.expr(argNodes[0]!, at);
      case "READ_ONCE": {
        arity(1);
        const x = this.expr(argNodes[0]!, at);
        if (x.e !== "field" || x.f.kind !== "cell") return this.refuse(where, `READ_ONCE() of '${argNodes[0]!.text}', which is not a shared field of the model`);
        return x;
      }
      case "WRITE_ONCE": {
        arity(2);
        const place = this.expr(argNodes[0]!, at);
        if (place.e !== "field" || place.f.kind !== "cell") return this.refuse(where, `WRITE_ONCE() of '${argNodes[0]!.text}', which is not a shared field of the model`);
        const value = this.convertTo(this.expr(argNodes[1]!, at), place.t, argNodes[1]!);
        return { e: "cast", x: { e: "assign", op: "=", place, value, t: place.t }, t: VOID };
      }
      case "WARN_ON":
      case "WARN_ON_ONCE":
      case "BUG_ON": {
        arity(1);
        const cond = this.expr(argNodes[0]!, at);
        if (!isScalar(cond.t)) return this.refuse(where, `${name}() of a ${typeName(cond.t)}`);
        const p = "line" in where ? where : pos(where);
        return { e: "warn", kind: name, cond, text: `${name}(${argNodes[0]!.text}) in ${this.fname}() at ${this.file}:${p.line}`, t: INT, pos: p };
      }
      case "lockdep_assert_held": {
        arity(1);
        const m = this.expr(argNodes[0]!, at);
        if (m.t.k !== "mutex") return this.refuse(where, `lockdep_assert_held() of '${argNodes[0]!.text}', which is not a mutex of the model`);
        return { e: "assert_held", mutex: m, where: this.fname, t: VOID };
      }
      case "IS_ENABLED":
        arity(1);
        return { e: "num", v: this.config(argNodes[0]!, argNodes[0]!.text) ? 1n : 0n, t: INT };
      case "BIT": {
        arity(1);
        const x = this.expr(argNodes[0]!, at);
        if (!isInt(x.t)) return this.refuse(where, `BIT() of a ${typeName(x.t)}`);
        return { e: "binary", op: "<<", l: { e: "num", v: 1n, t: ULONG }, r: x, t: ULONG, ct: null };
      }
    }
    const own = this.signatures.get(name);
    const fn: Builtin | undefined = own ? undefined : this.world.builtins[name];
    const sig = own ?? fn;
    if (!sig) return this.refuse(where, `${name}(): a function the model does not have (define it in the file, or see docs/writing-a-variant.md for the ones it has)`);
    arity(sig.params.length);
    const params = own ? own.params.map((p) => p.t) : fn!.params;
    const args = argNodes.map((a, i) => this.convertTo(this.expr(a, at), params[i]!, a));
    return own ? { e: "call", name, args, t: own.ret } : { e: "builtin", name, fn: fn!, args, t: fn!.ret };
  }
}

/** Translates a parsed file: its functions (each checked against the subset) and #defines. */
export function lowerFile(file: string, root: Node, world: World, parseExpr: (text: string) => Node | null): Lowered {
  const l = new Lowerer(file, world, parseExpr);
  l.topLevel(root);
  const functions = new Map<string, CFunction>();
  for (const d of l.defs) {
    const f = l.functionOf(d);
    functions.set(f.name, f);
  }
  return { functions, defines: l.defines, fieldsUsed: l.fieldsUsed };
}
