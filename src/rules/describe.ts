/** Human sentences for the timeline, alerts and tickets. Pure formatting. */
import { type PaymentState, preferredRef } from "./payment.ts";
import type { SubscriptionState } from "./subscription.ts";
import type { RuleInput } from "./types.ts";

/** Minor units → "20.00 USD", using the currency's own number of decimals (JPY has none). */
export function money(
	amount: number | undefined,
	currency: string | undefined,
): string | undefined {
	if (amount === undefined || !currency) return undefined;
	const code = currency.toUpperCase();
	try {
		const digits =
			new Intl.NumberFormat("en", {
				style: "currency",
				currency: code,
			}).resolvedOptions().maximumFractionDigits ?? 2;
		return `${(amount / 10 ** digits).toFixed(digits)} ${code}`;
	} catch {
		return `${amount} ${code} (minor units)`;
	}
}

export function joinParts(
	parts: Array<string | undefined | false>,
	separator = " ",
): string {
	return parts
		.filter((part): part is string => typeof part === "string" && part !== "")
		.join(separator);
}

/** The timeline sentence for one applied event. */
export function summarize(
	input: RuleInput,
	payment: PaymentState | undefined,
	subscriptions: SubscriptionState[],
): string {
	const { type, data } = input.event;
	const ref = payment ? preferredRef(payment.refs) : undefined;
	switch (type) {
		case "payment_succeeded":
			return joinParts([
				"Payment succeeded",
				money(data.payment?.amount, data.payment?.currency),
				ref && `(${ref})`,
			]);
		case "payment_failed":
			return joinParts([
				"Payment failed",
				money(data.payment?.amount, data.payment?.currency),
				ref && `(${ref})`,
				data.payment?.failure_reason && `— ${data.payment.failure_reason}`,
			]);
		case "subscription_updated":
		case "subscription_canceled": {
			const sub = subscriptions[0];
			return joinParts([
				`Subscription ${data.subscription?.id ?? ""}`,
				`→ ${data.subscription?.status ?? "?"}`,
				sub?.plan && `(plan ${sub.plan.value.plan})`,
			]);
		}
		case "refund_issued":
			return joinParts([
				"Refund issued",
				money(data.refund?.amount_refunded, data.refund?.currency),
				ref && `(${ref})`,
			]);
		case "dispute_opened":
			return joinParts([
				"Dispute opened",
				money(data.dispute?.amount, data.dispute?.currency),
				data.dispute?.reason && `(${data.dispute.reason})`,
			]);
		case "dispute_closed":
			return joinParts([
				"Dispute closed:",
				data.dispute?.status ?? "closed",
				money(data.dispute?.amount, data.dispute?.currency),
			]);
		case "customer_updated":
			return joinParts([
				"Billing details updated",
				data.customer?.email && `(${data.customer.email})`,
			]);
		case "customer_deleted":
			return `Stripe customer ${data.customer?.stripe_customer_id ?? ""} deleted (Plumb keeps the history)`;
		case "support_requested":
			return joinParts([
				"Support request:",
				data.support?.subject ?? data.support?.message.slice(0, 80),
			]);
		case "ticket_closed":
			return `Ticket ${data.ticket?.ticket_id ?? ""} ${data.ticket?.status ?? "closed"}`;
		case "signup":
			return joinParts([
				"Signed up",
				data.customer?.email && `as ${data.customer.email}`,
			]);
		case "lead_captured":
			return joinParts([
				"Lead captured",
				data.lead?.source && `from ${data.lead.source}`,
			]);
		case "chat_started":
			return "Chat started";
		case "ignored":
			return joinParts([
				`Ignored ${data.provider?.event_type ?? "event"}`,
				data.provider?.ignored_reason && `— ${data.provider.ignored_reason}`,
			]);
	}
}
