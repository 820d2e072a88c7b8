/**
 * Progress sent from a worker thread to the thread that prints it (an exhaustive run's
 * workers, a variant file's sandbox): at most one message every PROGRESS_POST_MS, and
 * always the last (done === total), since a message per program costs more than the
 * program when programs are small.
 */

export type ProgressCallback = (done: number, total: number, executions: number) => void;

export const PROGRESS_POST_MS = 100;

/** `post`, called at most every PROGRESS_POST_MS and at the end. */
export function throttledProgress(post: ProgressCallback): ProgressCallback {
  let last = 0;
  return (done, total, executions) => {
    const now = Date.now();
    if (now - last < PROGRESS_POST_MS && done < total) return;
    last = now;
    post(done, total, executions);
  };
}
