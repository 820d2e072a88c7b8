/**
 * The sandbox of one variant file: a worker thread that imports the file and runs its
 * code for the checker (protocol.ts), so that nothing the file does can end the
 * checker's process, hang it or write to its output. What the file does wrong here
 * becomes one message, which the checker reports as a problem of the file (exit 2):
 * a throw, output on stdout or stderr, a timer left running, `process.exit` (seen by
 * the checker: host.ts), a hook that never yields (the checker's watchdog, from the
 * control array this thread keeps up to date: subject.ts).
 */
import Module, { register } from "node:module";
import { fileURLToPath } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { isInputError } from "../../cli/errors.js";
import { checkExhaustive } from "../../explore/exhaustive/check.js";
import { throttledProgress } from "../../explore/progress-throttle.js";
import { checkRandom } from "../../explore/random.js";
import { DecisionScheduler } from "../../kernel/schedulers/decisions.js";
import { UsageError } from "../../targets/errors.js";
import type { Subject, TargetOptions } from "../../targets/target.js";
import type { UserVariant } from "../interface.js";
import { importVariantModule, variantFilePath } from "../module.js";
import { ownNames } from "../own.js";
import { isGeneratorFunction } from "../schema.js";
import { HOOK_NAMES, firstLine, userVariantSubject, watchHooks } from "../subject.js";
import type { FunctionField, GuestData, Reply, Request } from "./protocol.js";
import { SLOT } from "./protocol.js";

const data = workerData as GuestData;
const control = new Int32Array(data.control);
const named = `variant file ${data.path}`;

/** Sends a synchronous reply (the checker waits on the control array for it). */
function replySync(r: Reply): void {
  data.port.postMessage(r);
  Atomics.add(control, SLOT.replies, 1);
  Atomics.notify(control, SLOT.replies);
}

// The thread is ending (process.exit in the file's code, or a throw nothing caught):
// wake the checker if it waits for a reply.
process.on("exit", () => {
  Atomics.store(control, SLOT.ended, 1);
  Atomics.notify(control, SLOT.replies);
});
// Only the file's code can throw outside a request (a timer, a rejected promise).
process.on("uncaughtException", (e) => {
  const r: Reply = { kind: "input-error", message: `${named} threw outside a kernel path: ${firstLine(e)}` };
  replySync(r);
  parentPort!.postMessage(r);
  process.exit(1);
});

// What the file's code prints is kept here, never passed on: it would corrupt --json.
let printed = "";
for (const stream of [process.stdout, process.stderr]) {
  const which = stream === process.stdout ? "stdout" : "stderr";
  stream.write = ((chunk: unknown) => {
    if (!printed) printed = `${which}: ${JSON.stringify(String(chunk).trim().slice(0, 60))}`;
    return true;
  }) as typeof stream.write;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "Immediate").length;
const baseline = timers();

/** What the file did besides answering: printing, or leaving a timer running. */
function misconduct(): string | null {
  if (printed) return `${named} wrote to ${printed} (a variant's code must not print: observe() records what a path saw)`;
  if (timers() > baseline) return `${named} left a timer running (setTimeout/setInterval): a variant's code runs only when the checker calls it`;
  return null;
}

// `import ... from "kvm-ordercheck/variant"` means this checker, wherever the file is
// (a kernel tree has no node_modules): CommonJS (a .ts file outside an ES package) and ES modules.
const fromSource = import.meta.url.endsWith(".ts");
const own = (rel: string) => fileURLToPath(new URL(`${rel}${fromSource ? ".ts" : ".js"}`, import.meta.url));
const ALIASES: Readonly<Record<string, string>> = { "kvm-ordercheck/variant": own("../index"), "kvm-ordercheck": own("../../index") };
const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolveFilename = cjs._resolveFilename;
cjs._resolveFilename = function (request: string, ...rest: unknown[]) {
  return Object.hasOwn(ALIASES, request) ? ALIASES[request]! : resolveFilename.call(this, request, ...rest);
};
const esmHooks = `const A = ${JSON.stringify(Object.fromEntries(Object.entries(ALIASES).map(([k, v]) => [k, new URL(`file://${v}`).href])))};
export async function resolve(s, c, next) { return Object.hasOwn(A, s) ? { url: A[s], shortCircuit: true } : next(s, c); }`;
register(`data:text/javascript,${encodeURIComponent(esmHooks)}`);

/**
 * The variant as data, its functions (and the tool's own objects it holds) left out and
 * listed: the checker puts its own code or a stand-in in their place.
 */
function describe(v: unknown, own: ReadonlyMap<unknown, string>, path: string[], out: FunctionField[]): unknown {
  const name = own.get(v);
  if (typeof v === "function" || name !== undefined) {
    out.push({ path, generator: isGeneratorFunction(v), ...(name !== undefined ? { own: name } : {}) });
    return undefined;
  }
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map((x, k) => describe(x, own, [...path, String(k)], out));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x, own, [...path, k], out)]));
}

const subjects = new Map<string, Subject>();
let file = "";
let variant: UserVariant;

function subjectFor(options: TargetOptions): Subject {
  const key = JSON.stringify(options);
  let s = subjects.get(key);
  if (!s) subjects.set(key, (s = userVariantSubject(file, variant, options)));
  return s;
}

/** A run's progress, sent to the checker (throttled). */
const progressTo = (id: number) =>
  throttledProgress((done, total, executions) => parentPort!.postMessage({ id, kind: "progress", done, total, executions } satisfies Reply));

function answer(req: Request): Reply {
  const s = subjectFor(req.options);
  switch (req.kind) {
    case "execute": {
      const sched = new DecisionScheduler(req.decisions);
      const execution = s.execute(req.threads, sched);
      const verdicts = Object.fromEntries(s.properties.map((p) => [p.name, p.check(execution)]));
      return { id: req.id, kind: "executed", execution, used: sched.used, options: sched.options, verdicts };
    }
    case "random":
      return { id: req.id, kind: "random", result: checkRandom(s, { ...req.opts, onProgress: progressTo(req.id) }) };
    case "exhaustive":
      return { id: req.id, kind: "exhaustive", result: checkExhaustive(s, { ...req.opts, onProgress: progressTo(req.id) }) };
  }
}

/**
 * `v` as data that can cross to the checker, the way JSON.stringify writes it in the
 * reports: `toJSON()` where an object has one (a cell may hold a kernel object,
 * `kvm->vcpu_array`), functions and symbols left out.
 */
function plainData(v: unknown, copies = new Map<object, unknown>()): unknown {
  if (typeof v === "function" || typeof v === "symbol") return undefined;
  if (typeof v !== "object" || v === null) return v;
  const done = copies.get(v);
  if (done !== undefined) return done;
  // As JSON.stringify: an object that says how it is written is written so (`vcpu0`).
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return plainData(toJSON.call(v), copies);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    copies.set(v, out);
    for (const x of v) out.push(plainData(x, copies));
    return out;
  }
  const out: Record<string, unknown> = {};
  copies.set(v, out);
  for (const [k, x] of Object.entries(v)) out[k] = plainData(x, copies);
  return out;
}

/** Posts `r`; if it holds what cannot be cloned, its plain data. */
function post(r: Reply, send: (r: Reply) => void): void {
  try {
    send(r);
  } catch {
    send(plainData(r) as Reply);
  }
}

function fail(e: unknown, id?: number): Reply {
  const at = id !== undefined ? { id } : {};
  return isInputError(e) ? { ...at, kind: "input-error", message: e.message } : { ...at, kind: "error", message: firstLine(e) };
}

try {
  file = variantFilePath(data.path);
  watchHooks(control);
  variant = await importVariantModule(data.path);
  // Let what the file set going settle: a rejected promise or a throwing callback shows now.
  await new Promise((r) => setImmediate(r));
  // Every hook is wrapped (and named, for the watchdog) by making the subject once.
  subjectFor({});
  const wrong = misconduct();
  if (wrong) throw new UsageError(wrong);
  const functions: FunctionField[] = [];
  const described = describe(variant, ownNames(variant.target), [], functions);
  parentPort!.postMessage({ kind: "loaded", variant: described, functions, hooks: HOOK_NAMES } satisfies Reply);
} catch (e) {
  parentPort!.postMessage(fail(e));
}

parentPort!.on("message", (req: Request) => {
  let r: Reply;
  try {
    r = answer(req);
  } catch (e) {
    r = fail(e, req.id);
  }
  const wrong = misconduct();
  if (wrong) r = { id: req.id, kind: "input-error", message: wrong };
  post(r, req.kind === "execute" ? replySync : (x) => parentPort!.postMessage(x));
});
