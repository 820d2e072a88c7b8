/** What the front end refuses: one line, `file:line:col: what`, a UsageError (exit 2). */
import { UsageError } from "../../targets/errors.js";
import type { Pos } from "./ir.js";

export function refusal(file: string, at: Pos, what: string): UsageError {
  return new UsageError(`${file}:${at.line}:${at.col}: ${what}`);
}

/** How a refusal says that a construct is not translated. */
export const OUTSIDE = "is outside the C subset the checker translates";
