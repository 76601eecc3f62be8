/**
 * Human words for admin views. Waiting is normal and reads as such ("queued — retrying in 40 s");
 * only a dead delivery or a failed event reads as broken.
 */
import type { DeliveryStatus, Destination } from "../core/index.ts";

const ACTION_NAMES: Readonly<Record<string, string>> = {
	crm_sync: "CRM sync",
	create_ticket: "ticket",
	add_comment: "ticket comment",
	notify: "notification",
};

export function actionName(action: string): string {
	return ACTION_NAMES[action] ?? action.replaceAll("_", " ");
}

/** ok: done; wait: on its way (normal); bad: needs a person; muted: nothing to do. */
export type Tone = "ok" | "wait" | "bad" | "muted";

/** "just now", "40 s ago", "2 min ago", "3 h ago", "5 days ago". */
export function ago(at: Date, now: number): string {
	return `${span(now - at.getTime())} ago`.replace("now ago", "just now");
}

/** "now", "in 40 s", "in 2 min". */
export function fromNow(at: Date, now: number): string {
	const ms = at.getTime() - now;
	return ms <= 1_000 ? "now" : `in ${span(ms)}`;
}

function span(ms: number): string {
	const s = Math.round(Math.max(0, ms) / 1000);
	if (s < 2) return "now";
	if (s < 90) return `${s} s`;
	const min = Math.round(s / 60);
	if (min < 90) return `${min} min`;
	const h = Math.round(min / 60);
	if (h < 36) return `${h} h`;
	return `${Math.round(h / 24)} days`;
}

export interface DeliveryLike {
	destination: Destination;
	action: string;
	status: DeliveryStatus;
	attempts: number;
	next_attempt_at: Date;
	last_error: string | null;
	external_ref: string | null;
	updated_at: Date;
}

/** One line for a delivery's state, and its tone. */
export function deliveryState(
	d: DeliveryLike,
	now: number,
): { tone: Tone; label: string } {
	switch (d.status) {
		case "pending":
			return {
				tone: "wait",
				label:
					d.next_attempt_at.getTime() <= now
						? "queued — sending now"
						: `queued — sends ${fromNow(d.next_attempt_at, now)}`,
			};
		case "running":
			return { tone: "wait", label: `sending now (attempt ${d.attempts})` };
		case "retry_pending":
			return {
				tone: "wait",
				label: `queued — retrying ${fromNow(d.next_attempt_at, now)} (attempt ${d.attempts} did not go through)`,
			};
		case "succeeded":
			return {
				tone: "ok",
				label: `${doneWord(d)} ${ago(d.updated_at, now)}${d.external_ref ? ` — ${describeRef(d.destination, d.action, d.external_ref)}` : ""}`,
			};
		case "dead":
			return {
				tone: "bad",
				label: `dead after ${d.attempts} attempt${d.attempts === 1 ? "" : "s"} — needs a replay`,
			};
		case "skipped":
			// Not an error: nothing was sent on purpose (say, the destination is not configured).
			return {
				tone: "muted",
				label: `skipped — ${d.last_error ?? "nothing to send"}`,
			};
	}
}

/** What a success is called for an action: "synced", "ticket created", "commented", "sent". */
export function doneWord(d: { action: string }): string {
	if (d.action === "crm_sync") return "synced";
	if (d.action === "create_ticket") return "ticket created";
	if (d.action === "add_comment") return "commented";
	return "sent";
}

/** What a vendor's reference is called: "contact 1001", "ticket #501", "message <…>". */
export function refName(destination: Destination, action: string): string {
	if (destination === "hubspot") return "contact";
	if (destination === "zendesk")
		return action === "add_comment" ? "on ticket #" : "ticket #";
	return "message";
}

/** "ticket #501", "contact 1001": the reference joined to its name. */
export function describeRef(
	destination: Destination,
	action: string,
	ref: string,
): string {
	const name = refName(destination, action);
	return name.endsWith("#") ? `${name}${ref}` : `${name} ${ref}`;
}

/** Minor units as "20.00 USD", with the currency's own number of decimals (JPY has none). */
export function formatMoney(
	amount: string | number | null,
	currency: string | null,
): string {
	if (amount === null || currency === null) return "—";
	const code = currency.toUpperCase();
	let digits = 2;
	try {
		digits =
			new Intl.NumberFormat("en", {
				style: "currency",
				currency: code,
			}).resolvedOptions().maximumFractionDigits ?? 2;
	} catch {
		return `${amount} ${code} (minor units)`;
	}
	return `${(Number(amount) / 10 ** digits).toFixed(digits)} ${code}`;
}
