/**
 * How the text reports are drawn for where they go: colours, the interleaving table's
 * width, Unicode or plain ASCII. The CLI decides once per run (`displayFor`, from its
 * options, the environment and stdout) and sets it here; a library caller keeps the
 * defaults (colours by the same conventions, Unicode, the table's fixed width).
 *
 * Colours follow the usual conventions: `--no-color` / `--color` first, then NO_COLOR
 * (https://no-color.org: any non-empty value turns them off), then FORCE_COLOR (`0` or
 * `false` off, anything else on; picocolors alone would read `0` as on), then whether
 * stdout is a terminal (and TERM is not `dumb`).
 */
import picocolors from "picocolors";

/**
 * Until the CLI decides, the conventions below for this process's stdout: picocolors alone
 * would colour whenever `CI` is set, even text a library caller writes to a file.
 */
const initialColor = displayFor(undefined, process.env, process.stdout).color;

/** The colour functions every text report uses (replaced in place by `setDisplay`). */
export const pc = { ...picocolors.createColors(initialColor) };

export interface Display {
  readonly color: boolean;
  /** Box-drawing and arrows; off: plain ASCII (a pipe or a file may not be UTF-8). */
  readonly unicode: boolean;
  /** The terminal's width, when there is one: the interleaving table fits into it. */
  readonly columns?: number;
}

let current: Display = { color: initialColor, unicode: true };

export function display(): Display {
  return current;
}

export function setDisplay(d: Display): void {
  current = d;
  Object.assign(pc, picocolors.createColors(d.color));
}

/** What the CLI's stdout gets: `flag` is commander's `--color`/`--no-color` (undefined when neither is given). */
export function displayFor(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv,
  out: { readonly isTTY?: boolean; readonly columns?: number },
): Display {
  const tty = Boolean(out.isTTY);
  const force = env.FORCE_COLOR;
  const color =
    flag ?? (env.NO_COLOR ? false : force !== undefined && force !== "" ? !/^(0|false)$/i.test(force) : tty && env.TERM !== "dumb");
  return { color, unicode: tty, ...(tty && out.columns ? { columns: out.columns } : {}) };
}

/** The symbols the text reports draw with, and their ASCII stand-ins. */
const ASCII: Readonly<Record<string, string>> = {
  "│": "|",
  "─": "-",
  "▸": ">",
  "▶": ">",
  "◀": "<",
  "→": "->",
  "←": "<-",
  "…": "...",
  "—": "--",
  "–": "-",
  "×": "x",
  "≤": "<=",
  "≥": ">=",
  "≠": "!=",
};
const NON_ASCII_SYMBOL = new RegExp(`[${Object.keys(ASCII).join("")}]`, "g");

/** `s` with the reports' symbols in ASCII (names and titles in other scripts are left as they are). */
export function toAscii(s: string): string {
  return s.replace(NON_ASCII_SYMBOL, (c) => ASCII[c]!);
}

/** `s` as the current display draws it. */
export function forDisplay(s: string): string {
  return current.unicode ? s : toAscii(s);
}
