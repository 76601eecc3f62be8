/** GET /v1/requests/:id: one status from the event and its deliveries, and a sentence the app can show. */
import type { DeliveryStatus, EventStatus } from "../core/index.ts";

export const REQUEST_STATUSES = [
	"received",
	"processing",
	"done",
	"retrying",
	"failed",
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** What the status is derived from: the event's processing state and how many deliveries sit in each status. */
export interface RequestFacts {
	status: EventStatus;
	attempts: number;
	deliveries: Partial<Record<DeliveryStatus, number>>;
}

/**
 * - received: stored, the worker has not applied it yet.
 * - retrying: the worker's attempt at the event, or one of its deliveries, failed and will run again.
 * - processing: applied; deliveries pending or running.
 * - done: applied; every delivery succeeded or was skipped (a connector not configured), or none was needed.
 * - failed: the event failed, or a delivery is dead: it waits for a person (who gets an alert) to replay it.
 * A dead delivery outranks the others: the request cannot finish without that person.
 */
export function requestStatus(facts: RequestFacts): RequestStatus {
	if (facts.status === "failed") return "failed";
	if (facts.status === "pending")
		return facts.attempts > 0 ? "retrying" : "received";
	const count = (status: DeliveryStatus) => facts.deliveries[status] ?? 0;
	if (count("dead") > 0) return "failed";
	if (count("retry_pending") > 0) return "retrying";
	if (count("pending") > 0 || count("running") > 0) return "processing";
	return "done";
}

const RETRYING = "Action failed; retrying automatically";
const FAILED = "Action failed; our team has been alerted and will follow up";

const SENTENCES: Record<string, Record<RequestStatus, string>> = {
	signup: {
		received: "Account received",
		processing: "Account syncing",
		done: "Account ready",
		retrying: RETRYING,
		failed: FAILED,
	},
	lead_captured: {
		received: "Thanks — your details were received",
		processing: "Details syncing",
		done: "Thanks — we'll be in touch",
		retrying: RETRYING,
		failed: FAILED,
	},
	chat_started: {
		received: "Chat received",
		processing: "Chat syncing",
		done: "Chat recorded",
		retrying: RETRYING,
		failed: FAILED,
	},
	support_requested: {
		received: "Ticket received — our team will answer by e-mail",
		processing: "Ticket received — filing it with our support team",
		done: "Ticket filed — our team will answer by e-mail",
		retrying: RETRYING,
		failed: FAILED,
	},
};

const GENERIC: Record<RequestStatus, string> = {
	received: "Request received",
	processing: "Request processing",
	done: "Request done",
	retrying: RETRYING,
	failed: FAILED,
};

/** A short sentence for end users, chosen by intent type and status; never an internal error text. */
export function statusSentence(type: string, status: RequestStatus): string {
	return (SENTENCES[type] ?? GENERIC)[status];
}
