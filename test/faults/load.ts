/**
 * Stripe-like traffic for the fault suite: signed checkout.session.completed events, one per
 * customer (so each stored event implies exactly one HubSpot upsert), posted by a few concurrent
 * clients at a steady rate, each retried like Stripe retries until it is answered 2xx. Every
 * attempt is recorded with how it ended: a status, a reset, a refused connection or a timeout.
 */
import http from "node:http";
import { envelope, sign } from "../support/stripe.ts";

export type Outcome =
	| { kind: "answer"; status: number; error: string | undefined }
	| { kind: "reset" | "refused" | "timeout"; detail: string };

export interface Attempt {
	eventId: string;
	startedAt: number;
	endedAt: number;
	outcome: Outcome;
}

export interface TrackedEvent {
	id: string;
	email: string;
	body: string;
	acked: boolean;
	/** When a failed event is due to be posted again. */
	nextAt: number;
}

export interface LoadOptions {
	/** The webhook URL, read at each attempt. */
	url: string;
	/** A short tag that makes this run's ids and e-mails unique. */
	tag: string;
	total: number;
	ratePerSecond: number;
	concurrency: number;
	requestTimeoutMs: number;
	retryAfterMs: number;
}

export interface Load {
	/** Part of every event id (evt_f_<tag>_<n>) and e-mail of this load. */
	tag: string;
	events: Map<string, TrackedEvent>;
	attempts: Attempt[];
	/** Posts one brand-new event now (counted like the others) and returns how it ended. */
	probe(): Promise<Attempt>;
	/** Keeps retrying until every event is acknowledged or `timeoutMs` passes, then stops. */
	settle(timeoutMs: number): Promise<void>;
	stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One POST on a fresh connection (no keep-alive), so a reset is always this request's. */
export function postOnce(
	url: string,
	body: string,
	headers: Record<string, string>,
	timeoutMs: number,
): Promise<Outcome> {
	return new Promise((resolve) => {
		let done = false;
		const finish = (outcome: Outcome) => {
			if (done) return;
			done = true;
			resolve(outcome);
		};
		const req = http.request(url, {
			method: "POST",
			agent: false,
			headers: { ...headers, "content-length": Buffer.byteLength(body) },
		});
		req.setTimeout(timeoutMs, () => {
			finish({ kind: "timeout", detail: `no answer in ${timeoutMs} ms` });
			req.destroy();
		});
		req.on("error", (error: NodeJS.ErrnoException) =>
			finish({
				kind: error.code === "ECONNREFUSED" ? "refused" : "reset",
				detail: `${error.code ?? ""} ${error.message}`.trim(),
			}),
		);
		req.on("response", (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (chunk: Buffer) => chunks.push(chunk));
			res.on("error", (error) =>
				finish({ kind: "reset", detail: `mid-answer: ${error.message}` }),
			);
			res.on("end", () => {
				let code: string | undefined;
				try {
					code = (
						JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
							error?: string;
						}
					).error;
				} catch {
					code = undefined;
				}
				finish({ kind: "answer", status: res.statusCode ?? 0, error: code });
			});
		});
		req.end(body);
	});
}

export function isAck(outcome: Outcome): boolean {
	return (
		outcome.kind === "answer" && outcome.status >= 200 && outcome.status < 300
	);
}

function checkoutEvent(tag: string, n: number): TrackedEvent {
	const id = `evt_f_${tag}_${n}`;
	const email = `c${n}@${tag}.faults.example`;
	const body = envelope(
		"checkout.session.completed",
		{
			id: `cs_${tag}_${n}`,
			object: "checkout.session",
			customer: `cus_${tag}_${n}`,
			customer_details: { email, name: `Customer ${n}` },
			client_reference_id: `user-${tag}-${n}`,
			payment_status: "paid",
			mode: "payment",
			payment_intent: `pi_${tag}_${n}`,
			amount_total: 2000,
			currency: "usd",
		},
		{ id },
	);
	return { id, email, body, acked: false, nextAt: 0 };
}

export function startLoad(options: LoadOptions): Load {
	const events = new Map<string, TrackedEvent>();
	const attempts: Attempt[] = [];
	const retries: TrackedEvent[] = [];
	const started = Date.now();
	let created = 0;
	let stopped = false;
	let planned = options.total;
	let resolveSent: () => void = () => {};
	const sent = new Promise<void>((resolve) => {
		resolveSent = resolve;
	});

	const inFlight = new Set<TrackedEvent>();
	const send = async (event: TrackedEvent): Promise<Attempt> => {
		const startedAt = Date.now();
		inFlight.add(event);
		const outcome = await postOnce(
			options.url,
			event.body,
			{
				"content-type": "application/json; charset=utf-8",
				"stripe-signature": sign(event.body),
			},
			options.requestTimeoutMs,
		);
		inFlight.delete(event);
		const attempt = {
			eventId: event.id,
			startedAt,
			endedAt: Date.now(),
			outcome,
		};
		attempts.push(attempt);
		if (isAck(outcome)) event.acked = true;
		else {
			event.nextAt = Date.now() + options.retryAfterMs;
			retries.push(event);
		}
		return attempt;
	};
	const create = (): TrackedEvent => {
		created += 1;
		const event = checkoutEvent(options.tag, created);
		events.set(event.id, event);
		if (created >= planned) resolveSent();
		return event;
	};
	const next = (): TrackedEvent | undefined => {
		const now = Date.now();
		// New events keep their pace whatever fails; retries fill the gaps, as Stripe's do.
		const budget = ((now - started) / 1000) * options.ratePerSecond;
		if (created < planned && created < budget) return create();
		// Retries are queued in the order they failed, each due retryAfterMs later: the head is due first.
		const due = retries[0];
		if (due && due.nextAt <= now) return retries.shift();
		return undefined;
	};
	const client = async () => {
		while (!stopped) {
			const event = next();
			if (event) await send(event);
			else await sleep(5);
		}
	};
	const clients = Array.from({ length: options.concurrency }, client);

	return {
		tag: options.tag,
		events,
		attempts,
		async probe() {
			planned += 1;
			return send(create());
		},
		async settle(timeoutMs) {
			const deadline = Date.now() + timeoutMs;
			await Promise.race([sent, sleep(timeoutMs)]);
			while (
				Date.now() < deadline &&
				[...events.values()].some((event) => !event.acked)
			) {
				if (process.env.PLUMB_FAULTS_DEBUG === "1" && Math.random() < 0.02)
					console.log(
						`[faults] settle: in flight ${inFlight.size}, unacked ${[...events.values()].filter((e) => !e.acked).length}, retries ${retries.length}, created ${created}/${planned}`,
					);
				await sleep(50);
			}
			stopped = true;
			await Promise.all(clients);
		},
		async stop() {
			stopped = true;
			resolveSent();
			await Promise.all(clients);
		},
	};
}
