/**
 * A reference machine's states and transitions, read from the xstate machine object
 * with `xstate/graph` (`getStateNodes`, `toDirectedGraph`): the same graph `draw`
 * prints and coverage is measured against. Nothing here is a copy of a machine.
 *
 * Why `toDirectedGraph` and not `getAdjacencyMap`: the machines take one event type,
 * `call`, whose payload (the call and the kernel's result) picks the guarded transition;
 * `getAdjacencyMap` enumerates snapshots (state value and context) reached by concrete
 * events, an unbounded set here (the context holds vCPU ids, memslots). The machine's
 * definition has exactly the finite graph a user reads: each state node with its
 * guarded transitions, in order.
 */
import type { AnyStateMachine, AnyStateNode } from "xstate";
import { getStateNodes, toDirectedGraph } from "xstate/graph";
import type { DirectedGraphNode } from "xstate/graph";

export interface MachineTransition {
  /** Stable, readable id: `source → target [guard]` (`#k` appended if a machine repeats one). */
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly event: string;
  /** The guard's name, or null for the fallback transition. */
  readonly guard: string | null;
  /** True for a transition without a target (stays, runs its actions only). */
  readonly targetless: boolean;
}

export interface MachineGraph {
  readonly id: string;
  readonly initial: string;
  /** Every state node, by path (`a.b` for nested states), in definition order. */
  readonly states: readonly string[];
  readonly finals: readonly string[];
  readonly transitions: readonly MachineTransition[];
  /** The id of one of the machine's transition definitions (as `getTransitionData` returns them). */
  idOf(t: unknown): string | undefined;
}

const pathOf = (n: AnyStateNode): string => n.path.join(".");

function guardName(g: unknown): string | null {
  if (g === undefined || g === null) return null;
  if (typeof g === "string") return g;
  if (typeof g === "function") return g.name || "guard";
  if (typeof g === "object" && "type" in g) return String((g as { type: unknown }).type);
  return "guard";
}

const graphs = new WeakMap<AnyStateMachine, MachineGraph>();

export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const known = graphs.get(machine);
  if (known) return known;
  const nodes = getStateNodes(machine);
  const transitions: MachineTransition[] = [];
  const ids = new Map<unknown, string>();
  const seen = new Set<string>();
  const walk = (g: DirectedGraphNode): void => {
    for (const edge of g.edges) {
      const t = edge.transition;
      const source = pathOf(edge.source);
      const target = pathOf(edge.target);
      const guard = guardName(t.guard);
      let id = `${source} → ${target} [${guard ?? "else"}]`;
      for (let k = 2; seen.has(id); k++) id = `${source} → ${target} [${guard ?? "else"}] #${k}`;
      seen.add(id);
      // A transition with several targets is one definition; the first target's id names it.
      if (!ids.has(t)) ids.set(t, id);
      transitions.push({ id, source, target, event: t.eventType, guard, targetless: !t.target });
    }
    for (const c of g.children) walk(c);
  };
  walk(toDirectedGraph(machine));
  const initialNode = machine.root.initial?.target?.[0] as AnyStateNode | undefined;
  const graph: MachineGraph = {
    id: machine.id,
    initial: initialNode ? pathOf(initialNode) : (nodes[0] ? pathOf(nodes[0]) : machine.id),
    states: nodes.map(pathOf),
    finals: nodes.filter((n) => n.type === "final").map(pathOf),
    transitions,
    idOf: (t) => ids.get(t),
  };
  graphs.set(machine, graph);
  return graph;
}
