/**
 * The preprocessor lines a patch excerpt has inside functions: `#ifdef CONFIG_64BIT`,
 * `#if IS_ENABLED(...)`, `#else`, evaluated for the simulated host's config. Any other
 * directive, or a config option the model does not know, is refused.
 */
import type { Node } from "web-tree-sitter";
import { OUTSIDE } from "./refuse.js";
import type { World } from "./world.js";


export type Refuse = (at: Node, what: string) => never;

/** The statements of the branch of `#ifdef` / `#if` the simulated host's config takes. */
export function preprocBranch(n: Node, config: World["config"], refuse: Refuse): Node[] {
  const kids = (x: Node) => {
    const skip = new Set(["name", "condition", "alternative"].map((f) => x.childForFieldName(f)?.id));
    return x.namedChildren.filter((c): c is Node => !!c && !skip.has(c.id));
  };
  switch (n.type) {
    case "comment":
      return [];
    case "preproc_ifdef": {
      const name = n.childForFieldName("name")!;
      const on = configOption(name, name.text, config, refuse);
      const neg = n.child(0)!.type === "#ifndef";
      const alt = n.childForFieldName("alternative");
      return on !== neg ? kids(n) : alt ? preprocBranch(alt, config, refuse) : [];
    }
    case "preproc_if":
    case "preproc_elif": {
      const cond = preprocCond(n.childForFieldName("condition")!, config, refuse);
      const alt = n.childForFieldName("alternative");
      return cond ? kids(n) : alt ? preprocBranch(alt, config, refuse) : [];
    }
    case "preproc_else":
      return kids(n);
    default:
      return refuse(n, `the preprocessor directive '${n.text.split("\n")[0]}' ${OUTSIDE} (#ifdef/#if on CONFIG_ options only)`);
  }
}

export function configOption(at: Node, name: string, config: World["config"], refuse: Refuse): boolean {
  const v = config[name];
  if (v === undefined) refuse(at, `${name}: not a config option the model knows (known: ${Object.keys(config).join(", ")})`);
  return v;
}

function preprocCond(n: Node, config: World["config"], refuse: Refuse): boolean {
  switch (n.type) {
    case "parenthesized_expression":
      return preprocCond(n.namedChildren[0]!, config, refuse);
    case "preproc_defined":
      return configOption(n, n.namedChildren[0]!.text, config, refuse);
    case "identifier":
      return configOption(n, n.text, config, refuse);
    case "unary_expression":
      if (n.childForFieldName("operator")!.text === "!") return !preprocCond(n.childForFieldName("argument")!, config, refuse);
      break;
    case "binary_expression": {
      const op = n.childForFieldName("operator")!.text;
      const l = () => preprocCond(n.childForFieldName("left")!, config, refuse);
      const r = () => preprocCond(n.childForFieldName("right")!, config, refuse);
      if (op === "&&") return l() && r();
      if (op === "||") return l() || r();
      break;
    }
    case "call_expression": {
      const f = n.childForFieldName("function")!.text;
      const args = n.childForFieldName("arguments")!.namedChildren;
      if ((f === "IS_ENABLED" || f === "defined") && args.length === 1) return configOption(n, args[0]!.text, config, refuse);
      break;
    }
  }
  return refuse(n, `the #if condition '${n.text}' ${OUTSIDE} (CONFIG_ options, defined(), IS_ENABLED(), !, &&, ||)`);
}
