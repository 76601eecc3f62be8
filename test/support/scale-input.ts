/**
 * The input of the scale-out run (test/support/scale-out.ts): Stripe events for many customers
 * (signed when posted: a signature is only good for 300 s), and the vendor effects they must have.
 */
import { envelope } from "./stripe.ts";

const DAY = 86_400;

export interface ScaleEvent {
	id: string;
	body: string;
}

export interface ScaleInput {
	events: ScaleEvent[];
	/** Every customer's e-mail (each must end as one HubSpot contact). */
	emails: string[];
	/** The e-mails whose two failed payments must open exactly one Zendesk ticket. */
	ticketEmails: string[];
}

/**
 * About `total` events for total/3.5 customers: a checkout, a subscription, a paid invoice, and for
 * every fourth customer two failed attempts of the next invoice a day apart (the billing
 * escalation: one ticket). Each customer's events are a second apart, so the state they fold to does not depend on
 * which process handles which event.
 */
export function scaleInput(total: number, tag: string): ScaleInput {
	const events: ScaleEvent[] = [];
	const emails: string[] = [];
	const ticketEmails: string[] = [];
	const base = Math.floor(Date.now() / 1000) - 3 * DAY;
	for (let n = 0; events.length < total; n++) {
		const email = `c${n}@${tag}.scale.example`;
		const customer = `cus_${tag}_${n}`;
		const subscription = `sub_${tag}_${n}`;
		const add = (
			type: string,
			object: Record<string, unknown>,
			i: number,
			later = 0,
		) => {
			const id = `evt_s_${tag}_${n}_${i}`;
			const created = base + n * 10 + i + later;
			events.push({ id, body: envelope(type, object, { id, created }) });
		};
		emails.push(email);
		add(
			"checkout.session.completed",
			{
				id: `cs_${tag}_${n}`,
				object: "checkout.session",
				customer,
				customer_details: { email, name: `Customer ${n}` },
				client_reference_id: `user-${tag}-${n}`,
				payment_status: "paid",
				mode: "payment",
				payment_intent: `pi_${tag}_${n}_0`,
				amount_total: 2000,
				currency: "usd",
			},
			0,
		);
		add(
			"customer.subscription.created",
			{
				id: subscription,
				object: "subscription",
				customer,
				status: "active",
				cancel_at_period_end: false,
				items: {
					data: [
						{ price: { id: "price_pro", lookup_key: null, nickname: null } },
					],
				},
			},
			1,
		);
		const invoice = (i: number) => ({
			id: `in_${tag}_${n}_${i}`,
			object: "invoice",
			customer,
			customer_email: email,
			currency: "usd",
			payment_intent: `pi_${tag}_${n}_${i}`,
			parent: { subscription_details: { subscription } },
		});
		add(
			"invoice.paid",
			{ ...invoice(1), status: "paid", amount_paid: 2000 },
			2,
		);
		if (n % 4 === 0) {
			ticketEmails.push(email);
			for (const attempt of [1, 2])
				add(
					"invoice.payment_failed",
					{
						...invoice(2),
						status: "open",
						amount_due: 2000,
						attempt_count: attempt,
					},
					2 + attempt,
					// A day apart: two reports within ATTEMPT_GAP_MS would count as one failure.
					(attempt - 1) * DAY,
				);
		}
	}
	return { events, emails, ticketEmails };
}
