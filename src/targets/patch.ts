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
