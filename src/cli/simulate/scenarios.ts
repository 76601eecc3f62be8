/**
 * What `plumb simulate` sends and what it expects: `first-payment` (one customer pays, Stripe
 * delivers one event twice), `in-app` (an Expo app's subscriber through RevenueCat: trial, purchase,
 * two billing issues, expiration) and `full` (three Stripe customers: a refund that arrives before
 * the payment, a renewal that fails twice and then goes through, a dispute; a Supabase signup, a
 * support request from the app, and Zendesk solving its ticket; plus the in-app journey), with
 * duplicates, reordering and same-second ties.
 * Every id carries the run's id, so a second run adds customers' payments instead of repeating events.
 */
import {
	type RevenueCatWebhookBody,
	revenueCatEvent,
	type SimStorePurchase,
	type SimSubscriber,
} from "./revenuecat-events.ts";
import {
	checkoutCompleted,
	dispute,
	invoicePayment,
	paymentIntent,
	refundedCharge,
	type SimCustomer,
	type SimPayment,
	type StripeEvent,
	stripeEvent,
	subscription,
	subscriptionInvoice,
} from "./stripe-events.ts";

export const SCENARIOS = ["first-payment", "full", "in-app"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** One thing to send, in send order, and the answer that counts as accepted. */
export type Send =
	| { kind: "stripe"; what: string; event: StripeEvent; duplicate: boolean }
	| { kind: "supabase_signup"; what: string; user: SimUser }
	| { kind: "intent"; what: string; user: SimUser; body: unknown }
	| {
			kind: "revenuecat";
			what: string;
			body: RevenueCatWebhookBody;
			duplicate: boolean;
	  };

export interface SimUser {
	id: string;
	email: string;
	name: string;
}

/** The state one customer must reach. */
export interface CustomerExpectation {
	email: string;
	name: string;
	payments: Array<{
		ref: string;
		status: string;
		amount: number;
		refunded?: number;
		/** Failed attempts the timeline must show for it. */
		failures?: number;
	}>;
	/** The app's user id the customer must carry (from the signup webhook or the token). */
	appUserId?: string;
	/** A support ticket must exist, and be closed once Zendesk says it is solved. */
	ticket?: boolean;
	planStatus?: string;
	/** Exactly one customer carries this e-mail (every provider's events joined one person). */
	onlyOne?: boolean;
	/** Billing tickets Plumb must have opened for them. */
	billingTickets?: number;
	/** Alerts Slack must have received about them (checked where Slack is configured). */
	alerts?: number;
	/** The kind of send this customer comes from: left out with it when its secret is not set. */
	from?: Send["kind"];
}

export interface Scenario {
	name: ScenarioName;
	sends: Send[];
	customers: CustomerExpectation[];
	/** Sources the scenario leaves out on purpose, and why: reported as "–" lines. */
	leftOut: Array<{ what: string; why: string }>;
}

/**
 * Only PayPal can sign a PayPal delivery (SHA256withRSA with its own key), and the deliveries captured
 * from its simulator are signed by a certificate that has since expired.
 */
const PAYPAL_LEFT_OUT = {
	what: "PayPal",
	why: "not sent: only PayPal can sign its deliveries (the captured ones carry an expired certificate). Send some from PayPal's webhook simulator: docs/paypal.md",
};

const PLAN = { price: "price_sim_pro", lookupKey: "pro_monthly", amount: 4900 };

function customer(run: string, key: string, name: string): SimCustomer {
	return { id: `cus_sim_${run}_${key}`, email: `${key}@example.com`, name };
}

function payment(run: string, key: string, amount: number): SimPayment {
	return {
		intent: `pi_sim_${run}_${key}`,
		charge: `ch_sim_${run}_${key}`,
		amount,
		currency: "usd",
	};
}

/** An event sent once, and (with `twice`) delivered again as Stripe does on a lost acknowledgement. */
function stripe(what: string, event: StripeEvent, twice = false): Send[] {
	const first: Send = { kind: "stripe", what, event, duplicate: false };
	return twice
		? [
				first,
				{ kind: "stripe", what: `${what} (again)`, event, duplicate: true },
			]
		: [first];
}

function firstPayment(run: string, t0: number) {
	const ada = customer(run, "ada", "Ada Lovelace");
	const paid = payment(run, "ada", 2000);
	const checkout = stripeEvent(
		`evt_sim_${run}_ada_checkout`,
		"checkout.session.completed",
		checkoutCompleted(ada, paid, `cs_sim_${run}_ada`, t0),
		t0,
	);
	// The same second as the checkout: a tie Plumb must order without help.
	const intent = stripeEvent(
		`evt_sim_${run}_ada_intent`,
		"payment_intent.succeeded",
		paymentIntent(ada, paid, t0),
		t0,
	);
	return { ada, paid, checkout, intent };
}

/** The scenario `name` for run `run` (a short random id), its Stripe times starting at `t0` (seconds). */
export function buildScenario(
	name: ScenarioName,
	run: string,
	t0: number,
	user: SimUser,
): Scenario {
	const { ada, paid, checkout, intent } = firstPayment(run, t0);
	if (name === "first-payment")
		return {
			name,
			sends: [
				...stripe("Ada pays $20 (checkout.session.completed)", checkout, true),
				...stripe("Ada's payment succeeds (payment_intent.succeeded)", intent),
			],
			customers: [
				{
					email: ada.email,
					name: ada.name,
					payments: [{ ref: paid.intent, status: "succeeded", amount: 2000 }],
				},
			],
			leftOut: [],
		};
	const inApp = inAppJourney(run, t0);
	if (name === "in-app")
		return {
			name,
			sends: inApp.sends,
			customers: [inApp.customer],
			leftOut: [PAYPAL_LEFT_OUT],
		};

	const refund = stripeEvent(
		`evt_sim_${run}_ada_refund`,
		"charge.refunded",
		refundedCharge(ada, paid, 500, t0 + 60),
		t0 + 60,
	);

	const grace = customer(run, "grace", "Grace Hopper");
	const renewal = payment(run, "grace", PLAN.amount);
	const sub = `sub_sim_${run}_grace`;
	const invoice = {
		id: `in_sim_${run}_grace`,
		subscription: sub,
		amount: PLAN.amount,
	};
	const invoiceEvent = (attempt: number, paidNow: boolean, at: number) =>
		stripeEvent(
			`evt_sim_${run}_grace_invoice_${attempt}`,
			paidNow ? "invoice.paid" : "invoice.payment_failed",
			subscriptionInvoice(grace, invoice, { paid: paidNow, attempt }, at),
			at,
		);

	const alan = customer(run, "alan", "Alan Turing");
	const disputed = payment(run, "alan", 9900);
	const alanCheckout = stripeEvent(
		`evt_sim_${run}_alan_checkout`,
		"checkout.session.completed",
		checkoutCompleted(alan, disputed, `cs_sim_${run}_alan`, t0 + 5),
		t0 + 5,
	);
	const alanDispute = stripeEvent(
		`evt_sim_${run}_alan_dispute`,
		"charge.dispute.created",
		dispute(disputed, `dp_sim_${run}_alan`, "needs_response", t0 + 5),
		t0 + 5,
	);

	const sends: Send[] = [
		...stripe("Ada pays $20 (checkout.session.completed)", checkout, true),
		// Reordered: the refund arrives before the PaymentIntent event it follows.
		...stripe(
			"$5 of Ada's payment refunded (charge.refunded), sent early",
			refund,
		),
		...stripe("Ada's payment succeeds (payment_intent.succeeded)", intent),
		{
			kind: "supabase_signup",
			what: "Grace signs up (Supabase auth.users INSERT)",
			user,
		},
		...stripe(
			"Grace subscribes to pro_monthly (customer.subscription.created)",
			stripeEvent(
				`evt_sim_${run}_grace_subscription`,
				"customer.subscription.created",
				subscription(grace, sub, PLAN, t0),
				t0,
			),
		),
		...stripe(
			"Grace's renewal fails (invoice.payment_failed, attempt 1)",
			invoiceEvent(1, false, t0 + 10),
		),
		// Reordered: the successful retry arrives before the second failure it follows.
		...stripe(
			"Grace's renewal goes through (invoice.paid, attempt 3)",
			invoiceEvent(3, true, t0 + 30),
		),
		...stripe(
			"Grace's renewal fails again (attempt 2), delivered late",
			invoiceEvent(2, false, t0 + 20),
			true,
		),
		...stripe(
			"Grace's invoice is tied to its PaymentIntent (invoice_payment.paid)",
			stripeEvent(
				`evt_sim_${run}_grace_invoice_payment`,
				"invoice_payment.paid",
				invoicePayment(`inpay_sim_${run}_grace`, invoice.id, renewal, t0 + 30),
				t0 + 30,
			),
		),
		{
			kind: "intent",
			what: "Grace asks for help in the app (support_requested)",
			user,
			body: {
				type: "support_requested",
				data: {
					subject: "Charged twice?",
					message: "My card shows two charges this month.",
					category: "billing_issue",
				},
			},
		},
		// Reordered and tied: the dispute comes first, in the same second as the payment.
		...stripe(
			"Alan disputes his $99 payment (charge.dispute.created)",
			alanDispute,
			true,
		),
		...stripe("Alan pays $99 (checkout.session.completed)", alanCheckout),
		...inApp.sends,
	];
	return {
		name,
		sends,
		customers: [
			{
				email: ada.email,
				name: ada.name,
				payments: [
					{ ref: paid.intent, status: "refunded", amount: 2000, refunded: 500 },
				],
			},
			{
				email: grace.email,
				name: grace.name,
				payments: [
					{
						ref: invoice.id,
						status: "succeeded",
						amount: PLAN.amount,
						failures: 2,
					},
				],
				appUserId: user.id,
				ticket: true,
				planStatus: "active",
			},
			{
				email: alan.email,
				name: alan.name,
				payments: [{ ref: disputed.intent, status: "disputed", amount: 9900 }],
			},
			inApp.customer,
		],
		leftOut: [PAYPAL_LEFT_OUT],
	};
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * An Expo app's new subscriber through RevenueCat, ending now (`t0`, seconds): a week's free trial
 * (INITIAL_PURCHASE with period_type TRIAL), the first paid week (INITIAL_PURCHASE), the App Store
 * failing to renew it twice (BILLING_ISSUE, the first delivered twice), and the subscription expiring
 * (EXPIRATION, BILLING_ERROR). Plumb's rules: plan canceled, one billing ticket, one alert.
 */
function inAppJourney(run: string, t0: number) {
	const start = t0 * 1000 - 44 * DAY_MS;
	const katherine: SimSubscriber = {
		// A new person every run: RevenueCat names her by the app's (Supabase) user id after logIn.
		appUserId: `00000000-0000-4000-8000-${run.padStart(12, "0")}`,
		anonymousId: `$RCAnonymousID:${run}8069238d6049ce87cc5298`,
		email: `katherine+${run}@example.com`,
	};
	const trial: SimStorePurchase = {
		transactionId: `2000000${run}01`,
		originalTransactionId: `2000000${run}01`,
		productId: "pro_weekly",
		price: 4.99,
		trial: true,
		purchasedAtMs: start,
		expirationAtMs: start + WEEK_MS,
	};
	const paid: SimStorePurchase = {
		...trial,
		transactionId: `2000000${run}02`,
		trial: false,
		purchasedAtMs: start + WEEK_MS,
		expirationAtMs: start + 2 * WEEK_MS,
	};
	const event = (
		key: string,
		type: RevenueCatWebhookBody["event"]["type"],
		purchase: SimStorePurchase,
		at: number,
	) => revenueCatEvent(`rc-sim-${run}-${key}`, type, katherine, purchase, at);
	const send = (what: string, body: RevenueCatWebhookBody): Send => ({
		kind: "revenuecat",
		what,
		body,
		duplicate: false,
	});
	const firstIssue = event(
		"billing-1",
		"BILLING_ISSUE",
		paid,
		start + 37 * DAY_MS,
	);
	const sends: Send[] = [
		send(
			"Katherine starts a free trial in the app (RevenueCat INITIAL_PURCHASE, TRIAL)",
			event("trial", "INITIAL_PURCHASE", trial, start + 60_000),
		),
		send(
			"Katherine's first paid week (RevenueCat INITIAL_PURCHASE)",
			event("purchase", "INITIAL_PURCHASE", paid, start + WEEK_MS),
		),
		send(
			"The App Store cannot renew it (RevenueCat BILLING_ISSUE)",
			firstIssue,
		),
		{
			kind: "revenuecat",
			what: "The App Store cannot renew it (RevenueCat BILLING_ISSUE) (again)",
			body: firstIssue,
			duplicate: true,
		},
		send(
			"The App Store cannot renew it again (RevenueCat BILLING_ISSUE)",
			event("billing-2", "BILLING_ISSUE", paid, start + 40 * DAY_MS),
		),
		send(
			"Katherine's subscription expires (RevenueCat EXPIRATION, BILLING_ERROR)",
			event("expiration", "EXPIRATION", paid, start + 44 * DAY_MS - 60_000),
		),
	];
	const customer: CustomerExpectation = {
		email: katherine.email,
		name: "Katherine Johnson",
		payments: [],
		appUserId: katherine.appUserId,
		planStatus: "canceled",
		onlyOne: true,
		billingTickets: 1,
		alerts: 1,
		from: "revenuecat",
	};
	return { sends, customer };
}
