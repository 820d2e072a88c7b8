/**
 * A run's stdout in its `--format`: text, json (one envelope, report/schema.ts), ktap,
 * junit. Each subject's verdict is printed as soon as it is finished where the format
 * allows it (text, ktap), so that an interrupted run has printed what it finished; the
 * JSON and JUnit documents are printed whole, at the end or at the interruption, with
 * the finished subjects and the names of the others (interrupt.ts calls `interrupted`).
 * A run with a variant file's code (`refusable`) holds what it streams until the end or
 * the interruption: the file may still be refused (exit 2), and a refused run prints no
 * verdict, not even the other subjects'.
 */
import { junitXml } from "../report/junit.js";
import { ktapHeader, ktapSubject, ktapUnfinished } from "../report/ktap.js";
import type { OutputExtras } from "../report/json.js";
import { loadOutputSchema, outputJsonText } from "../report/json.js";
import type { Output, SubjectResultJson } from "../report/schema.js";
import type { StopSignal } from "./interrupt.js";
import { UsageError } from "../targets/errors.js";

export const FORMATS = ["text", "json", "ktap", "junit"] as const;
export type Format = (typeof FORMATS)[number];

/** `--format` and its shorthand `--json`, which must not disagree. */
export function formatOf(o: { format?: string; json?: boolean }): Format {
  if (o.json && o.format !== undefined && o.format !== "json") throw new UsageError(`--json and --format ${o.format} disagree: give one`);
  return o.json ? "json" : ((o.format ?? "text") as Format);
}

export class RunOutput {
  /** A RunOutput, once what its format needs is loaded (the envelope's schema for JSON). */
  static async open(...args: ConstructorParameters<typeof RunOutput>): Promise<RunOutput> {
    if (args[1] === "json") await loadOutputSchema();
    return new RunOutput(...args);
  }

  private readonly finished: SubjectResultJson[] = [];
  /** What a `refusable` run has streamed so far, written at the end or the interruption. */
  private readonly held: string[] | null;

  /**
   * `planned`: the subjects (target@variant) in the order they run; `unfinishedMeans`: what
   * an unfinished one lacks, for the text (e.g. that an exhaustive run reached no proof);
   * `refusable`: a subject may yet be refused (a variant file's code runs), so nothing is
   * streamed before the run ends.
   */
  constructor(
    private readonly command: Output["command"],
    readonly format: Format,
    private readonly write: (s: string) => void,
    private readonly planned: readonly string[],
    private readonly unfinishedMeans = "no verdict",
    refusable = false,
  ) {
    this.held = refusable ? [] : null;
    if (format === "ktap") this.stream(ktapHeader(planned.length));
  }

  private stream(s: string): void {
    if (this.held) this.held.push(s);
    else this.write(s);
  }

  private release(): void {
    if (this.held) this.held.splice(0).forEach((s) => this.write(s));
  }

  /** Whether the format carries JSON-like documents (reports of where files went go to stderr then). */
  get structured(): boolean {
    return this.format !== "text";
  }

  /** A subject is finished: the text report streams `text`, KTAP its test. */
  subject(result: SubjectResultJson, text?: string): void {
    this.finished.push(result);
    if (this.format === "text" && text !== undefined) this.stream(text);
    if (this.format === "ktap") this.stream(ktapSubject(this.finished.length, result));
  }

  /** Lines only the text report has (summaries, hints). */
  text(s: string): void {
    if (this.format === "text") this.stream(s);
  }

  /** The run is over: the documents printed whole. */
  end(extras: OutputExtras = {}): void {
    this.release();
    if (this.format === "json") this.write(outputJsonText(this.command, this.finished, extras));
    if (this.format === "junit") this.write(junitXml({ results: this.finished }));
  }

  /** A signal ended the run: what is finished, and what is not. */
  interrupted(signal: StopSignal): void {
    const done = new Set(this.finished.map((r) => `${r.target}@${r.variant}`));
    const unfinished = this.planned.filter((n) => !done.has(n));
    const why = `interrupted by ${signal} before it was finished: ${this.unfinishedMeans}`;
    this.release();
    switch (this.format) {
      case "json":
        this.write(outputJsonText(this.command, this.finished, { interrupted: signal, unfinished }));
        break;
      case "junit":
        this.write(junitXml({ results: this.finished, unfinished, interrupted: signal }));
        break;
      case "ktap":
        unfinished.forEach((n, k) => this.write(ktapUnfinished(this.finished.length + k + 1, n, why)));
        break;
      case "text":
        this.write(
          `\ninterrupted by ${signal}: ${this.finished.length} of ${this.planned.length} finished (above)` +
            (unfinished.length ? `; not finished, ${this.unfinishedMeans}: ${unfinished.join(", ")}` : "") +
            "\n",
        );
        break;
    }
  }
}
