/**
 * A live Stripe account's existing data for `plumb backfill`, built from Stripe's own example objects
 * (fixtures3.json): customers with e-mails, one subscription each, and paid invoices. Only values of
 * fields the examples have are set; ids and `created` times are distinct, oldest first.
 */
import { copiesOf, type StripeObject, stripeExample } from "./fixtures.ts";

export interface StripeAccountData {
	customers: StripeObject[];
	subscriptions: StripeObject[];
	invoices: StripeObject[];
}

/**
 * `customers` customers created one minute apart from `firstCreated`; each has a subscription (every
 * `canceledEvery`-th one canceled) and `invoicesEach` paid invoices of 2,000 cents, a day apart.
 */
export function stripeAccount(options: {
	customers: number;
	invoicesEach: number;
	firstCreated: number;
	tag?: string;
	canceledEvery?: number;
}): StripeAccountData {
	const tag = options.tag ?? "bf";
	const customers = copiesOf(stripeExample("customer"), options.customers, {
		tag,
		firstCreated: options.firstCreated,
		stepSeconds: 60,
	}).map((customer, n) => ({
		...customer,
		email: `${tag}-customer${n}@example.com`,
		name: `Customer ${n}`,
	}));
	const subscriptions = copiesOf(
		stripeExample("subscription"),
		options.customers,
		{ tag, firstCreated: options.firstCreated + 30, stepSeconds: 60 },
	).map((subscription, n) => ({
		...subscription,
		customer: customers[n]?.id,
		status:
			options.canceledEvery && n % options.canceledEvery === 0
				? "canceled"
				: "active",
	}));
	const invoice = stripeExample("invoice");
	const invoices: StripeObject[] = [];
	for (let round = 0; round < options.invoicesEach; round += 1)
		invoices.push(
			...copiesOf(invoice, options.customers, {
				tag: `${tag}${round}x`,
				firstCreated: options.firstCreated + 45 + round * 86_400,
				stepSeconds: 60,
			}).map((copy, n) => ({
				...copy,
				customer: customers[n]?.id,
				customer_email: customers[n]?.email,
				status: "paid",
				amount_paid: 2000,
				amount_remaining: 0,
				status_transitions: {
					...(invoice.status_transitions as Record<string, unknown>),
					paid_at: copy.created,
				},
				parent: {
					type: "subscription_details",
					quote_details: null,
					subscription_details: {
						metadata: null,
						subscription: subscriptions[n]?.id,
					},
				},
			})),
		);
	return { customers, subscriptions, invoices };
}
