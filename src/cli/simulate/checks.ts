/**
 * The acceptance checks of `plumb simulate`: the state the instance reached, read from its admin API
 * (customers, payments, tickets, each destination's integration state), against what the scenario
 * expects. A check is ✓, ✗, or "–" (not applicable here, e.g. a connector that is not configured).
 */

import type { Instance } from "./instance.ts";
import type { CustomerExpectation } from "./scenarios.ts";

export interface Check {
	mark: "✓" | "✗" | "–";
	text: string;
}

interface CustomerListItem {
	id: string;
	email: string | null;
}

/** The parts of GET /admin/api/customers/:id the checks read. */
export interface CustomerView {
	customer: {
		id: string;
		app_user_id: string | null;
		plan_status: string | null;
	};
	business: {
		payments: Array<{
			status: string;
			amount: string | null;
			amount_refunded: string;
			refs: string[];
		}>;
		tickets: Array<{
			issue_key: string;
			status: string;
			external_ref: string | null;
		}>;
	};
	timeline: Array<{ type: string; summary: string }>;
	integrations: Array<{
		name: string;
		configured: boolean;
		state: "ok" | "dead" | "retrying" | "pending" | "skipped" | "none";
		summary: string;
		/** This customer's deliveries to it, by status. */
		counts: Partial<Record<string, number>>;
	}>;
}

/**
 * One customer's view, found by e-mail (undefined while the instance does not know them yet), and
 * how many customers carry that e-mail.
 */
export async function findCustomer(
	instance: Instance,
	email: string,
): Promise<{ view: CustomerView | undefined; sameEmail: number }> {
	const page = await instance.admin<{ items: CustomerListItem[] }>(
		`/customers?q=${encodeURIComponent(email)}&limit=10`,
	);
	const matches = page.items.filter((item) => item.email === email);
	const [found] = matches;
	return {
		view: found
			? await instance.admin<CustomerView>(`/customers/${found.id}`)
			: undefined,
		sameEmail: matches.length,
	};
}

const pass = (ok: boolean, text: string): Check => ({
	mark: ok ? "✓" : "✗",
	text,
});

/** The checks of one customer's state. */
export function customerChecks(
	expected: CustomerExpectation,
	view: CustomerView | undefined,
	options: { ticketSolved: boolean; sameEmail: number },
): Check[] {
	const who = expected.name.split(" ")[0] ?? expected.name;
	if (view === undefined)
		return [pass(false, `${who}: no customer with e-mail ${expected.email}`)];
	const checks: Check[] = [];
	for (const want of expected.payments) {
		const got = view.business.payments.find((p) => p.refs.includes(want.ref));
		const money = `$${(want.amount / 100).toFixed(2)}`;
		checks.push(
			got === undefined
				? pass(false, `${who}: no payment for ${want.ref}`)
				: pass(
						got.status === want.status &&
							got.amount === String(want.amount) &&
							(want.refunded === undefined ||
								got.amount_refunded === String(want.refunded)),
						`${who}: ${money} payment ${got.status}${want.refunded ? `, $${(Number(got.amount_refunded) / 100).toFixed(2)} refunded` : ""}${got.status === want.status ? "" : ` (expected ${want.status})`}`,
					),
		);
	}
	for (const want of expected.payments.filter((p) => p.failures)) {
		// The timeline is the customer page's record of every attempt, in the dashboard's words.
		const failures = view.timeline.filter(
			(item) =>
				item.type === "event" &&
				item.summary.startsWith("Payment failed") &&
				item.summary.includes(want.ref),
		).length;
		checks.push(
			pass(
				failures === want.failures,
				`${who}: ${failures} failed attempt(s) on the timeline before it went through${failures === want.failures ? "" : ` (expected ${want.failures})`}`,
			),
		);
	}
	if (expected.planStatus !== undefined)
		checks.push(
			pass(
				view.customer.plan_status === expected.planStatus,
				`${who}: plan ${view.customer.plan_status ?? "none"}${view.customer.plan_status === expected.planStatus ? "" : ` (expected ${expected.planStatus})`}`,
			),
		);
	if (expected.appUserId !== undefined)
		checks.push(
			pass(
				view.customer.app_user_id === expected.appUserId,
				`${who}: linked to the app's user ${expected.appUserId}`,
			),
		);
	if (expected.onlyOne)
		checks.push(
			pass(
				options.sameEmail === 1,
				options.sameEmail === 1
					? `${who}: one customer with ${expected.email}`
					: `${who}: ${options.sameEmail} customers with ${expected.email} (expected one)`,
			),
		);
	if (expected.billingTickets !== undefined) {
		// rules/tickets.ts keys a billing episode's ticket "billing:<customer>:<first failure day>".
		const billing = view.business.tickets.filter((t) =>
			t.issue_key.startsWith("billing:"),
		);
		checks.push(
			pass(
				billing.length === expected.billingTickets,
				`${who}: ${billing.length} billing ticket(s)${billing.length === expected.billingTickets ? "" : ` (expected ${expected.billingTickets})`}`,
			),
		);
	}
	const slack = view.integrations.find((i) => i.name === "Slack");
	if (expected.alerts !== undefined && slack?.configured) {
		const alerts = slack.counts.succeeded ?? 0;
		checks.push(
			pass(
				alerts === expected.alerts,
				`${who}: ${alerts} alert(s) sent to Slack${alerts === expected.alerts ? "" : ` (expected ${expected.alerts})`}`,
			),
		);
	}
	if (expected.ticket) {
		const ticket = view.business.tickets[0];
		const closed = ticket?.status === "closed" || ticket?.status === "solved";
		checks.push(
			ticket === undefined
				? pass(false, `${who}: no support ticket`)
				: options.ticketSolved
					? pass(
							closed,
							`${who}: ticket ${ticket.status} after Zendesk solved it`,
						)
					: pass(true, `${who}: ticket ${ticket.status}`),
		);
	}
	for (const integration of view.integrations) {
		if (integration.state === "none") continue;
		const settled =
			integration.state === "ok" ||
			(!integration.configured && integration.state === "skipped");
		checks.push({
			mark: settled ? (integration.configured ? "✓" : "–") : "✗",
			text: `${who}: ${integration.name} ${integration.summary}`,
		});
	}
	return checks;
}

/** Nothing ✗: while something is, the run looks again until its wait runs out (deliveries may still be retrying). */
export function allPass(checks: readonly Check[]): boolean {
	return checks.every((check) => check.mark !== "✗");
}
