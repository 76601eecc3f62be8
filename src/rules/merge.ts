/** Merging customer records: which one survives when an event proves several are one person. */

export interface MergeCandidate {
	id: string;
	createdAt: Date;
}

/**
 * The records, survivor first: the oldest (then the smallest id) survives, so a merge is deterministic
 * and the id the longest-known record has (in the CRM, the helpdesk, links) stays the customer's id.
 */
export function survivorFirst<T extends MergeCandidate>(
	records: readonly T[],
): T[] {
	return [...records].sort(
		(a, b) =>
			a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1),
	);
}
