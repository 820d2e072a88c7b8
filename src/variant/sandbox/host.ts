/**
 * The checker's side of a variant file's sandbox (guest.ts runs in it): starts the
 * worker thread, asks it to run executions (synchronously) and whole checks (random,
 * an exhaustive slice), and turns whatever the file's code does wrong into one
 * UsageError naming the file: it ended the thread (`process.exit`), threw outside a
 * kernel path, printed, left a timer, or ran a hook for longer than the watchdog's
 * budget without yielding. The guest keeps what the file's code prints (console,
 * process.stdout/stderr) from our output and reports it; piping the worker's stdio
 * here instead would keep the process alive after the run.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import type { CheckReport, RandomOptions } from "../../explore/random.js";
import type { ExhaustiveOptions, ExhaustiveResult } from "../../explore/exhaustive/check.js";
import { UsageError } from "../../targets/errors.js";
import type { TargetOptions, Threads } from "../../targets/target.js";
import type { FunctionField, GuestData, Reply, Request } from "./protocol.js";
import { SLOT, SLOTS } from "./protocol.js";
import type { Known } from "./wire.js";
import { WireError, checkReportOf, executedOf, exhaustiveResultOf } from "./wire.js";

/** How long one step of a hook (the code between two yields) may run: KVM_ORDERCHECK_HOOK_BUDGET_MS, 5 s by default. */
export function hookBudgetMs(): number {
  const raw = process.env.KVM_ORDERCHECK_HOOK_BUDGET_MS;
  const n = Number(raw);
  return raw !== undefined && /^\d+$/.test(raw) && n > 0 ? n : 5000;
}

/** How often the watchdog looks. */
const TICK_MS = 50;

export interface Loaded {
  readonly variant: unknown;
  readonly functions: readonly FunctionField[];
}

type Pending = { resolve(r: Reply): void; reject(e: Error): void; progress?: (done: number, total: number, executions: number) => void };

export class Sandbox {
  private readonly control: Int32Array;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private hooks: readonly string[] = [];
  private ids = 0;
  private readonly pending = new Map<number, Pending>();
  /** Once set, the sandbox is dead and every request fails with it. */
  private failure: UsageError | null = null;
  private closing = false;
  private phase = "while loading";
  private watched = { key: "", since: 0 };
  private readonly loaded: Promise<Loaded>;

  constructor(
    /** The variant file as the user named it. */
    readonly path: string,
    private readonly budgetMs = hookBudgetMs(),
  ) {
    const here = import.meta.url;
    // From the sources (tests, tsx) the guest is TypeScript: worker-boot.mjs registers tsx first.
    const fromSource = here.endsWith(".ts");
    const module = new URL(fromSource ? "./guest.ts" : "./guest.js", here).href;
    const url = fromSource ? new URL("../../explore/exhaustive/worker-boot.mjs", here) : new URL(module);
    const shared = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.control = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.port.unref();
    const workerData: GuestData = { path, control: shared, port: port2 as unknown as GuestData["port"], module };
    this.worker = new Worker(url, { workerData, transferList: [port2] });
    this.loaded = new Promise<Loaded>((resolve, reject) => {
      this.pending.set(0, {
        resolve: (r) => {
          if (r.kind !== "loaded") return reject(new Error(`internal: the sandbox of ${path} answered ${r.kind} to loading`));
          this.hooks = r.hooks;
          this.phase = "during the run";
          resolve({ variant: r.variant, functions: r.functions });
        },
        reject,
      });
    });
    this.worker.on("message", (r: Reply) => this.receive(r));
    this.worker.on("error", (e) => this.die(new UsageError(`variant file ${path} threw outside a kernel path: ${e.message}`)));
    this.worker.on("exit", () => {
      if (!this.closing) this.die(this.ended());
    });
    const dog = setInterval(() => {
      if (this.pending.size === 0) return;
      const stuck = this.stuck();
      if (stuck) this.die(stuck);
    }, TICK_MS);
    dog.unref();
    this.worker.once("exit", () => clearInterval(dog));
  }

  /** The variant as data and where its functions are; rejects with what is wrong with the file. */
  load(): Promise<Loaded> {
    return this.loaded;
  }

  private ended(): UsageError {
    const hook = Atomics.load(this.control, SLOT.hook);
    return new UsageError(`variant file ${this.path} ended the process ${this.phase}${hook ? ` (in ${this.hooks[hook - 1] ?? "a hook"})` : ""}`);
  }

  /** The watchdog: a hook that has run for the budget without returning to the checker. */
  private stuck(): UsageError | null {
    const hook = Atomics.load(this.control, SLOT.hook);
    const key = `${hook}:${Atomics.load(this.control, SLOT.beat)}`;
    const now = Date.now();
    if (hook === 0 || key !== this.watched.key) {
      this.watched = { key, since: now };
      return null;
    }
    if (now - this.watched.since < this.budgetMs) return null;
    return new UsageError(
      `variant file ${this.path}: ${this.hooks[hook - 1] ?? "a hook"} ran for more than ${this.budgetMs} ms without yielding (a loop without end?); ` +
        `each step of a kernel path has ${this.budgetMs} ms (KVM_ORDERCHECK_HOOK_BUDGET_MS)`,
    );
  }

  /** Ends the sandbox with `e`: every request waiting and every later one fails with it. */
  private die(e: UsageError): void {
    this.failure ??= e;
    this.closing = true;
    void this.worker.terminate();
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  private receive(r: Reply): void {
    if (r.kind === "progress") return this.pending.get(r.id)?.progress?.(r.done, r.total, r.executions);
    // An answer to nothing (a throw outside any request) ends the sandbox.
    if (!("id" in r) || r.id === undefined) {
      const p = this.pending.get(0);
      if (p && (r.kind === "loaded" || r.kind === "error" || r.kind === "input-error")) {
        this.pending.delete(0);
        this.hold();
        if (r.kind === "loaded") return p.resolve(r);
        const e = r.kind === "error" ? new Error(r.message) : new UsageError(r.message);
        p.reject(e);
        void this.close();
        return;
      }
      return this.die(new UsageError(r.kind === "input-error" || r.kind === "error" ? r.message : `variant file ${this.path}: its sandbox answered out of turn`));
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    this.hold();
    p.resolve(r);
  }

  /** An idle sandbox does not keep the process alive; one with work pending does. */
  private hold(): void {
    if (this.pending.size) this.worker.ref();
    else this.worker.unref();
  }

  private alive(): void {
    if (this.failure) throw this.failure;
  }

  private answer<T>(r: Reply, kind: Reply["kind"], validate: (r: Reply) => T): T {
    if (r.kind === "input-error") throw new UsageError(r.message);
    if (r.kind === "error") throw new Error(r.message);
    if (r.kind !== kind) throw new Error(`internal: the sandbox of ${this.path} answered ${r.kind} to ${kind}`);
    try {
      return validate(r);
    } catch (e) {
      if (e instanceof WireError) throw new UsageError(`variant file ${this.path}: its sandbox's answer is not what the checker sends (${e.message})`);
      throw e;
    }
  }

  /** Runs a program with a list of decisions; returns the execution, the decisions it used and every property's verdict on it. */
  execute(options: TargetOptions, threads: Threads, decisions: readonly number[], known: Known) {
    this.alive();
    const id = ++this.ids;
    this.worker.postMessage({ id, kind: "execute", options, threads, decisions } satisfies Request);
    this.watched = { key: "", since: 0 };
    for (;;) {
      const seen = Atomics.load(this.control, SLOT.replies);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        const r = got.message as Reply;
        if (!("id" in r) || r.id !== id) {
          this.die(new UsageError(r.kind === "input-error" || r.kind === "error" ? r.message : `variant file ${this.path}: its sandbox answered out of turn`));
          throw this.failure!;
        }
        return this.answer(r, "executed", (x) => executedOf(x as Extract<Reply, { kind: "executed" }>, known));
      }
      if (Atomics.load(this.control, SLOT.ended)) {
        this.die(this.ended());
        throw this.failure!;
      }
      const stuck = this.stuck();
      if (stuck) {
        this.die(stuck);
        throw this.failure!;
      }
      Atomics.wait(this.control, SLOT.replies, seen, TICK_MS);
    }
  }

  private job(req: Request, progress?: Pending["progress"]): Promise<Reply> {
    this.alive();
    this.watched = { key: "", since: 0 };
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject, ...(progress ? { progress } : {}) });
      this.hold();
      this.worker.postMessage(req);
    });
  }

  async random(options: TargetOptions, opts: RandomOptions, known: Known): Promise<CheckReport> {
    // Progress is a function: it stays here, and the guest reports to it by message.
    const { onProgress, ...plain } = opts;
    const r = await this.job({ id: ++this.ids, kind: "random", options, opts: plain }, onProgress);
    return this.answer(r, "random", (x) => checkReportOf((x as Extract<Reply, { kind: "random" }>).result, known));
  }

  async exhaustive(options: TargetOptions, opts: ExhaustiveOptions, known: Known): Promise<ExhaustiveResult> {
    // Functions stay here (progress comes back by message); the run-splitting options of
    // checkExhaustiveParallel do not apply to a sandbox's part, which runs it whole.
    const { onProgress, onShortest: _shortest, onLayer: _layer, found: _found, handOff: _handOff, budgetMs: _budget, fromIndex: _from, ...plain } = opts;
    const r = await this.job({ id: ++this.ids, kind: "exhaustive", options, opts: plain }, onProgress);
    return this.answer(r, "exhaustive", (x) => exhaustiveResultOf((x as Extract<Reply, { kind: "exhaustive" }>).result, known));
  }

  /** Ends the worker (what is waiting fails). */
  async close(): Promise<void> {
    this.closing = true;
    this.failure ??= new UsageError(`variant file ${this.path}: its sandbox is closed`);
    await this.worker.terminate();
  }
}
