/**
 * One `plumb simulate` run against an instance: send the scenario's requests signed with the
 * instance's secrets, wait until its state settles (or the wait runs out), let Zendesk solve the
 * ticket the support request opened, and gather the acceptance report.
 */
import {
	allPass,
	type Check,
	type CustomerView,
	customerChecks,
	findCustomer,
} from "./checks.ts";
import type { Instance } from "./instance.ts";
import type { Scenario, Send, SimUser } from "./scenarios.ts";
import {
	intent,
	revenueCatWebhook,
	type SignedRequest,
	stripeWebhook,
	supabaseAccessToken,
	supabaseSignup,
	zendeskWebhook,
} from "./signed-requests.ts";

/** The instance's secrets, as this process's configuration holds them (the same environment). */
export interface SimulateSecrets {
	stripeWebhookSecret: string | undefined;
	jwt:
		| { secret: string; audience: string; issuer: string | undefined }
		| undefined;
	apiKey: string | undefined;
	supabaseWebhookSecret: string | undefined;
	zendeskWebhookSecret: string | undefined;
	/** REVENUECAT_WEBHOOK_AUTH: the Authorization header value RevenueCat sends. */
	revenueCatAuthorization: string | undefined;
}

/** How to set REVENUECAT_WEBHOOK_AUTH for a local try-out. */
export const REVENUECAT_TRY_OUT =
	'export REVENUECAT_WEBHOOK_AUTH="Bearer $(openssl rand -hex 24)"';

export interface SentLine {
	mark: Check["mark"];
	what: string;
	answer: string;
}

export interface RunReport {
	sent: SentLine[];
	checks: Check[];
	/** Set when the run stopped early: the one thing to fix. */
	stopped?: string;
}

export interface RunOptions {
	waitMs: number;
	onProgress?: (done: number, total: number, what: string) => void;
	/** Extra checks evaluated with the state (what each vendor stand-in received). */
	vendorChecks?: () => Check[];
}

const answerOf = (status: number, body: Record<string, unknown> | undefined) =>
	`${status}${typeof body?.error === "string" ? ` ${body.error}` : ""}${body?.duplicate === true ? " duplicate" : ""}`;

export async function runScenario(
	instance: Instance,
	scenario: Scenario,
	secrets: SimulateSecrets,
	options: RunOptions,
): Promise<RunReport> {
	const sent: SentLine[] = [];
	const intents: Array<{ id: string; bearer: string }> = [];
	const skipped = new Set<Send["kind"]>();
	// Counted by step, not by line: a source left out is one line for several steps.
	let step = 0;
	const progress = (what: string) =>
		options.onProgress?.(step, scenario.sends.length + 1, what);
	try {
		for (const send of scenario.sends) {
			progress(send.what);
			step += 1;
			const prepared = await prepare(send, secrets);
			if (typeof prepared === "string") {
				// A source left out is said once, not once per event.
				if (send.kind === "revenuecat" && skipped.has("revenuecat")) continue;
				skipped.add(send.kind);
				sent.push(
					send.kind === "revenuecat"
						? { mark: "–", what: "RevenueCat journey", answer: prepared }
						: { mark: "–", what: send.what, answer: prepared },
				);
				continue;
			}
			const { status, body } = await instance.send(prepared.request);
			const expected = send.kind === "intent" ? 202 : 200;
			const duplicateOk =
				(send.kind !== "stripe" && send.kind !== "revenuecat") ||
				body?.duplicate === send.duplicate;
			const ok = status === expected && duplicateOk;
			sent.push({
				mark: ok ? "✓" : "✗",
				what: send.what,
				answer: answerOf(status, body),
			});
			if (send.kind === "intent" && ok && typeof body?.id === "string")
				intents.push({ id: body.id, bearer: prepared.bearer });
			// Every later request would be refused the same way: stop here and say which secret differs.
			if (body?.error === "invalid_signature")
				return {
					sent,
					checks: [],
					stopped: `the instance refused the signature of ${send.kind === "stripe" ? "a Stripe event: STRIPE_WEBHOOK_SECRET" : "a webhook: its secret"} here is not the instance's. Run simulate with the same environment as the instance.`,
				};
			if (send.kind === "revenuecat" && (status === 401 || status === 503))
				return {
					sent,
					checks: [],
					stopped:
						status === 401
							? "the instance refused RevenueCat's Authorization header: REVENUECAT_WEBHOOK_AUTH here is not the instance's. Run simulate with the same environment as the instance."
							: "the instance has no REVENUECAT_WEBHOOK_AUTH: start it with the same value as here.",
				};
		}
		for (const { what, why } of scenario.leftOut)
			sent.push({ mark: "–", what, answer: why });
		progress("waiting for the instance to settle");
		const included = scenario.customers.filter(
			(c) => c.from === undefined || !skipped.has(c.from),
		);
		const customers = included.map((c) => ({
			...c,
			...(skipped.has("supabase_signup") && skipped.has("intent")
				? { appUserId: undefined }
				: {}),
			ticket: c.ticket === true && !skipped.has("intent"),
		}));
		const evaluate = async (ticketSolved: boolean) => {
			const views = new Map<string, CustomerView | undefined>();
			const checks: Check[] = [];
			for (const expected of customers) {
				const { view, sameEmail } = await findCustomer(
					instance,
					expected.email,
				);
				views.set(expected.email, view);
				checks.push(
					...customerChecks(expected, view, { ticketSolved, sameEmail }),
				);
			}
			checks.push(...(await intentChecks(instance, intents)));
			checks.push(...(options.vendorChecks?.() ?? []));
			return { checks, views };
		};
		const deadline = Date.now() + options.waitMs;
		let state = await settle(() => evaluate(false), deadline);
		const solved = await solveTicket(instance, customers, state.views, secrets);
		if (solved !== undefined) {
			sent.push(solved);
			state = await settle(() => evaluate(solved.mark === "✓"), deadline);
		}
		options.onProgress?.(
			scenario.sends.length + 1,
			scenario.sends.length + 1,
			"done",
		);
		return { sent, checks: state.checks };
	} catch (error) {
		return {
			sent,
			checks: [],
			stopped: error instanceof Error ? error.message : String(error),
		};
	}
}

/** Re-evaluates every half second until everything passes or the deadline. */
async function settle<T extends { checks: Check[] }>(
	evaluate: () => Promise<T>,
	deadline: number,
): Promise<T> {
	for (;;) {
		const state = await evaluate();
		if (allPass(state.checks) || Date.now() >= deadline) return state;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/** The signed request, or why it cannot be sent with this environment. */
async function prepare(
	send: Send,
	secrets: SimulateSecrets,
): Promise<{ request: SignedRequest; bearer: string } | string> {
	switch (send.kind) {
		case "stripe": {
			const secret = secrets.stripeWebhookSecret;
			if (secret === undefined)
				return "not sent: STRIPE_WEBHOOK_SECRET is not set";
			return { request: stripeWebhook(send.event, secret), bearer: "" };
		}
		case "supabase_signup": {
			const secret = secrets.supabaseWebhookSecret;
			if (secret === undefined)
				return "not sent: SUPABASE_WEBHOOK_SECRET is not set";
			return { request: supabaseSignup(send.user, secret), bearer: "" };
		}
		case "intent": {
			const caller = await callerFor(send.user, secrets);
			if (caller === undefined)
				return "not sent: set SUPABASE_JWT_SECRET or PLUMB_API_KEYS";
			const body = caller.asServer
				? {
						...(send.body as object),
						customer: { email: send.user.email, user_id: send.user.id },
					}
				: send.body;
			return {
				request: intent(body, caller.bearer, `simulate-${send.user.id}`),
				bearer: caller.bearer,
			};
		}
		case "revenuecat": {
			const authorization = secrets.revenueCatAuthorization;
			if (authorization === undefined)
				return `left out: REVENUECAT_WEBHOOK_AUTH is not set. To include it: ${REVENUECAT_TRY_OUT} here and where the instance runs (the value set in RevenueCat's webhook settings)`;
			return {
				request: revenueCatWebhook(send.body, authorization),
				bearer: "",
			};
		}
	}
}

/** An end user's Supabase-style token when the JWT secret is known, else a server API key. */
async function callerFor(user: SimUser, secrets: SimulateSecrets) {
	if (secrets.jwt !== undefined)
		return {
			bearer: await supabaseAccessToken(user, secrets.jwt),
			asServer: false,
		};
	if (secrets.apiKey !== undefined)
		return { bearer: secrets.apiKey, asServer: true };
	return undefined;
}

async function intentChecks(
	instance: Instance,
	intents: Array<{ id: string; bearer: string }>,
): Promise<Check[]> {
	const checks: Check[] = [];
	for (const { id, bearer } of intents) {
		const { status, body } = await instance.get(`/v1/requests/${id}`, bearer);
		const state =
			typeof body?.status === "string" ? body.status : `HTTP ${status}`;
		checks.push({
			mark: state === "done" ? "✓" : "✗",
			text: `the app's support request reads ${state}${typeof body?.message === "string" ? `: "${body.message}"` : ""}`,
		});
	}
	return checks;
}

/** Zendesk says the support ticket is solved (phase two: the ticket exists only once Plumb made it). */
async function solveTicket(
	instance: Instance,
	customers: ReadonlyArray<{ email: string; ticket?: boolean }>,
	views: Map<string, CustomerView | undefined>,
	secrets: SimulateSecrets,
): Promise<SentLine | undefined> {
	const owner = customers.find((c) => c.ticket);
	if (owner === undefined) return undefined;
	const what = "Zendesk: the support ticket is solved (ticket.status_changed)";
	const secret = secrets.zendeskWebhookSecret;
	if (secret === undefined)
		return {
			mark: "–",
			what,
			answer: "not sent: ZENDESK_WEBHOOK_SECRET is not set",
		};
	const ticket = views.get(owner.email)?.business.tickets[0];
	if (ticket === undefined)
		return { mark: "✗", what, answer: "not sent: Plumb opened no ticket" };
	const { status, body } = await instance.send(
		zendeskWebhook(
			{
				ticket_id: ticket.external_ref ?? "900001",
				status: "solved",
				external_id: ticket.issue_key,
				updated_at: new Date().toISOString(),
			},
			secret,
		),
	);
	return {
		mark: status === 200 ? "✓" : "✗",
		what,
		answer: answerOf(status, body),
	};
}
