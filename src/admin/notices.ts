/** The sentences a page shows after an action. Only these codes travel in the URL, never free text. */
import { z } from "zod";
import { optionalParam } from "./query.ts";

const NOTICES = {
	replayed: "Requeued: it runs again now, with a fresh retry budget.",
	already_queued: "It was already queued; nothing changed.",
	superseded:
		"A newer CRM sync for this customer is already queued and pushes the current state, so this one was marked superseded.",
	replay_refused:
		"Not replayed: it is running now, or it already succeeded (replay it through the API with force to send it again).",
	bulk_replayed: "Requeued {count} deliveries; they run again now.",
	nothing_to_replay: "There was nothing to replay; nothing was recorded.",
	acknowledged: "Acknowledged.",
	already_handled: "That alert was already acknowledged or resolved.",
	logged_out: "You are logged out.",
} as const;

export type NoticeCode = keyof typeof NOTICES;

const CODES = Object.keys(NOTICES) as [NoticeCode, ...NoticeCode[]];

/** Query parameters a page accepts besides its filters. */
export const noticeParams = {
	notice: optionalParam(z.enum(CODES)),
	count: optionalParam(z.coerce.number().int().min(0).max(100_000_000)),
};

export function noticeText(
	code: NoticeCode | undefined,
	count: number | undefined,
): string | undefined {
	if (code === undefined) return undefined;
	return NOTICES[code].replace("{count}", String(count ?? 0));
}
