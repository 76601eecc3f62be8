/** One line of `plumb doctor`'s checklist, as every group of checks reports it. */
/** `warn`: worth fixing, but not a failed check (the exit code stays 0). */
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** One line of the checklist. */
export interface Check {
	status: CheckStatus;
	title: string;
	/** What to do about a ✗ or a !, in one line. */
	fix?: string | undefined;
}
