/** The errors that are the user's input, not the tool: one line on stderr, exit status 2. */
import { BadTokenError } from "../explore/replay-token.js";
import { MergeError } from "../explore/exhaustive/check.js";
import { ProgramError } from "../kernel/uapi/caps.js";
import { UsageError } from "../targets/errors.js";

export function isInputError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof BadTokenError || e instanceof ProgramError || e instanceof MergeError;
}

export { UsageError };
