/** The patch a variant transcribes: enough to find the mail and the code. */
export interface PatchRef {
  readonly title: string;
  /** Mailing lists it was posted to. */
  readonly list: string;
  /** Posting date, YYYY-MM-DD. */
  readonly date: string;
  readonly messageId: string;
  /** Other mails of the series the transcription uses. */
  readonly related?: readonly string[];
  /** Merged commits, where merged. */
  readonly commits?: readonly string[];
}

/** What every variant, shipped or from a file, says about itself. */
export interface VariantBase {
  readonly name: string;
  /** One line: what this version does differently. */
  readonly summary: string;
  readonly patch: PatchRef;
  /**
   * The lines of the variant's code (its source file and the line numbers of its
   * statements): a verdict names those no explored execution ran. The C front end
   * fills it; a TypeScript variant may declare it (the runtime's `cover` op marks a
   * line as run).
   */
  readonly lines?: VariantLines;
}

export interface VariantLines {
  readonly file: string;
  readonly lines: readonly number[];
}
