/** One line of `plumb doctor`'s checklist, as every group of checks reports it. */
export type CheckStatus = "pass" | "fail" | "skip";

/** One line of the checklist. */
export interface Check {
	status: CheckStatus;
	title: string;
	/** What to do about a ✗, in one line. */
	fix?: string | undefined;
}
