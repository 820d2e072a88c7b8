/**
 * The C parser: tree-sitter's C grammar (tree-sitter-c, its .wasm as shipped in the
 * npm package) run by web-tree-sitter, loaded once per process. A parse with an error
 * or a missing token is refused at its first position.
 */
import { createRequire } from "node:module";
import type { Node, Tree } from "web-tree-sitter";
import { Language, Parser } from "web-tree-sitter";
import { refusal } from "./refuse.js";

let parser: Promise<Parser> | null = null;
/** The parser once loaded (parseC awaits it first). */
let loaded: Parser | null = null;

async function makeParser(): Promise<Parser> {
  const require = createRequire(import.meta.url);
  await Parser.init();
  const language = await Language.load(require.resolve("tree-sitter-c/tree-sitter-c.wasm"));
  const p = new Parser();
  p.setLanguage(language);
  loaded = p;
  return p;
}

/** The first ERROR or MISSING node, depth first. */
function firstError(n: Node): Node | null {
  if (n.type === "ERROR" || n.isMissing) return n;
  if (!n.hasError) return null;
  for (const c of n.children) {
    const e = c && firstError(c);
    if (e) return e;
  }
  return null;
}

/**
 * Kernel annotations that expand to nothing the model cares about (compiler hints,
 * section placement): the preprocessor's step before parsing, done by blanking them with
 * spaces so that every position stays the file's.
 */
const EMPTY_MACROS = ["__always_inline", "__must_check", "noinline", "__init", "__exit", "__ro_after_init", "__read_mostly", "__maybe_unused", "__cold", "notrace"];
const EMPTY_MACRO = new RegExp(`\\b(${EMPTY_MACROS.join("|")})\\b`, "g");

/** Parses `text` (from `file`, as named in messages); a syntax error is refused with its position. */
export async function parseC(file: string, text: string): Promise<Tree> {
  parser ??= makeParser();
  const tree = (await parser).parse(text.replace(EMPTY_MACRO, (m) => " ".repeat(m.length)));
  if (!tree) throw refusal(file, { line: 1, col: 1 }, "the C parser gave no tree");
  const bad = firstError(tree.rootNode);
  if (bad) {
    const what = bad.isMissing ? `a missing '${bad.type}'` : `'${bad.text.split("\n")[0]!.slice(0, 40)}'`;
    throw refusal(file, pos(bad), `syntax error at ${what} (not C the parser understands)`);
  }
  return tree;
}

export const pos = (n: Node) => ({ line: n.startPosition.row + 1, col: n.startPosition.column + 1 });

/** A macro's replacement text as a C expression, or null if it is not one (after parseC). */
export function parseExpr(text: string): Node | null {
  if (!loaded) throw new Error("parseExpr before parseC");
  const tree = loaded.parse(`long __kvmoc_value = (${text});`);
  if (!tree || tree.rootNode.hasError) return null;
  const decl = tree.rootNode.namedChildren[0];
  return decl?.childForFieldName("declarator")?.childForFieldName("value") ?? null;
}
