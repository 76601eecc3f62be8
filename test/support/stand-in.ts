/**
 * A destination stand-in on loopback that behaves like a vendor with idempotency keys: the first
 * request with a key applies the effect and answers its reference; later ones answer the same
 * reference without applying again. Faults are chosen per request.
 *
 * "Duplicate effect", precisely: because the stand-in (like HubSpot, Zendesk's external_id lookup or
 * Stripe) applies once per key, a duplicate can only come from Plumb sending one intended effect
 * under two keys, or one key with two different payloads. `duplicates()` reports both: a delivery id
 * seen under more than one key, and a key seen with more than one distinct body.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import {
	type Connector,
	type DeliveryOutcome,
	type Destination,
	outcome,
	parseRetryAfter,
} from "../../src/core/index.ts";

export type Fault =
	| { kind: "ok"; delayMs?: number }
	/** Any status; add `retryAfter` for a 429 or 503 with a Retry-After header. */
	| { kind: "status"; status: number; retryAfter?: string; delayMs?: number }
	/** Never answers: the client's timeout has to end it. */
	| { kind: "hang" }
	/** Drops the connection without an answer. */
	| { kind: "reset" }
	/** Applies the effect, then never answers ("applied, then timed out"). */
	| { kind: "apply-then-hang" };

export interface StandInRequest {
	key: string;
	deliveryId: string;
	attempt: number;
	/** Date.now() when the request arrived. */
	at: number;
	body: string;
}

export interface LedgerEntry {
	ref: string;
	body: string;
	appliedAt: number;
	/** Requests for this key that found it already applied (absorbed re-sends). */
	repeats: number;
}

export interface StandIn {
	url: string;
	requests: StandInRequest[];
	ledger: Map<string, LedgerEntry>;
	setFault(choose: (request: StandInRequest) => Fault): void;
	/** Delivery ids seen under two keys, and keys seen with two bodies. */
	duplicates(): { keysPerDelivery: string[]; bodiesPerKey: string[] };
	close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
	const requests: StandInRequest[] = [];
	const ledger = new Map<string, LedgerEntry>();
	const keysByDelivery = new Map<string, Set<string>>();
	const bodiesByKey = new Map<string, Set<string>>();
	const sockets = new Set<Socket>();
	let choose: (request: StandInRequest) => Fault = () => ({ kind: "ok" });
	let refs = 0;

	const apply = (request: StandInRequest): LedgerEntry => {
		const existing = ledger.get(request.key);
		if (existing) {
			existing.repeats++;
			return existing;
		}
		const entry = {
			ref: `ref_${++refs}`,
			body: request.body,
			appliedAt: Date.now(),
			repeats: 0,
		};
		ledger.set(request.key, entry);
		return entry;
	};

	const server: Server = createServer(async (req, res) => {
		const request = await readRequest(req);
		requests.push(request);
		remember(keysByDelivery, request.deliveryId, request.key);
		remember(bodiesByKey, request.key, request.body);
		const fault = choose(request);
		switch (fault.kind) {
			case "ok": {
				if (fault.delayMs)
					await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
				const entry = apply(request);
				res.writeHead(entry.repeats > 0 ? 200 : 201, {
					"content-type": "application/json",
				});
				res.end(JSON.stringify({ ref: entry.ref }));
				return;
			}
			case "status":
				if (fault.delayMs)
					await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
				res.writeHead(fault.status, {
					"content-type": "application/json",
					...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}),
				});
				res.end(JSON.stringify({ error: `injected ${fault.status}` }));
				return;
			case "reset":
				req.socket.resetAndDestroy();
				return;
			case "apply-then-hang":
				apply(request);
				return;
			case "hang":
				return;
		}
	});
	server.on("connection", (socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) =>
		server.listen(0, "127.0.0.1", () => resolve()),
	);
	const { port } = server.address() as { port: number };
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		ledger,
		setFault: (next) => {
			choose = next;
		},
		duplicates: () => ({
			keysPerDelivery: [...keysByDelivery]
				.filter(([, keys]) => keys.size > 1)
				.map(([id]) => id),
			bodiesPerKey: [...bodiesByKey]
				.filter(([, bodies]) => bodies.size > 1)
				.map(([key]) => key),
		}),
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

async function readRequest(req: IncomingMessage): Promise<StandInRequest> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const body = Buffer.concat(chunks).toString("utf8");
	const parsed = JSON.parse(body || "{}") as {
		delivery_id?: string;
		attempt?: number;
	};
	return {
		key: String(req.headers["idempotency-key"] ?? ""),
		deliveryId: parsed.delivery_id ?? "",
		attempt: parsed.attempt ?? 0,
		at: Date.now(),
		// The attempt number differs per try by design; the effect is the rest of the body.
		body: JSON.stringify({ ...parsed, attempt: undefined }),
	};
}

function remember(map: Map<string, Set<string>>, key: string, value: string) {
	const set = map.get(key) ?? new Set<string>();
	set.add(value);
	map.set(key, set);
}

/**
 * A Connector that calls the stand-in the way the real ones call vendors: the idempotency key in a
 * header, 2xx → ok, 429 → rate limited with Retry-After, 5xx and network errors → retry, other
 * 4xx → permanent.
 */
export function standInConnector(
	destination: Destination,
	url: string,
): Connector {
	return {
		destination,
		async deliver(request, signal): Promise<DeliveryOutcome> {
			let response: Response;
			try {
				response = await fetch(`${url}/effects`, {
					method: "POST",
					signal,
					headers: {
						"content-type": "application/json",
						"idempotency-key": request.idempotencyKey,
					},
					body: JSON.stringify({
						delivery_id: request.id,
						attempt: request.attempt,
						payload: request.payload,
						customer: request.customer,
					}),
				});
			} catch (error) {
				return outcome.retry(
					`network: ${error instanceof Error ? error.message : String(error)}`,
				);
			}
			const text = await response.text().catch(() => "");
			if (response.ok) {
				const ref = (JSON.parse(text || "{}") as { ref?: string }).ref;
				return outcome.ok(ref, response.status);
			}
			const afterMs = parseRetryAfter(
				response.headers.get("retry-after"),
				Date.now(),
			);
			if (response.status === 429)
				return outcome.retry("rate limited", {
					httpStatus: 429,
					rateLimited: true,
					...(afterMs === undefined ? {} : { afterMs }),
				});
			if (response.status >= 500 || response.status === 408)
				return outcome.retry(`server error ${response.status}`, {
					httpStatus: response.status,
					...(afterMs === undefined ? {} : { afterMs }),
				});
			return outcome.permanent(`rejected: ${response.status}`, response.status);
		},
	};
}
