/**
 * A loopback stand-in for Stripe's REST API (the parts Plumb calls), following Stripe's documented
 * shapes: list objects ({object: "list", data, has_more, url}), newest first, cursor pagination
 * (limit, starting_after, ending_before), `created[gte|gt|lte|lt]`, `expand[]` of ids inside list
 * items, form-encoded POST bodies, Bearer keys, Idempotency-Key replays, and Stripe's error shape
 * ({error: {type, code, message}}) with 401, 403 (a restricted key without the permission; the
 * spec's error `type` has no permission value, so it is invalid_request_error and the status tells,
 * as the SDK's StripePermissionError does), 404, 429 + Retry-After / Stripe-Should-Retry. It serves
 * only what a test seeds: copies of Stripe's own example objects.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type net from "node:net";
import { type StripeObject, stripeExample } from "./fixtures.ts";

/** A restricted key's permissions, by the resource part of Stripe's `rak_<resource>_<read|write>` names. */
export type StandInPermission =
	| "event_read"
	| "customer_read"
	| "subscription_read"
	| "invoice_read"
	| "webhook_read"
	| "webhook_write";

export type Collection =
	| "events"
	| "customers"
	| "subscriptions"
	| "invoices"
	| "webhook_endpoints";

export interface RecordedRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	form: Record<string, unknown>;
	headers: http.IncomingHttpHeaders;
}

export interface StripeApiStandIn {
	url: string;
	requests: RecordedRequest[];
	/** Adds objects to a collection (any order; lists are served newest first). */
	seed(collection: Collection, objects: readonly StripeObject[]): void;
	/** Events whose webhooks failed: `delivery_success=false` lists them; they get `pending_webhooks: 1`. */
	markUndelivered(ids: readonly string[]): void;
	objects(collection: Collection): StripeObject[];
	/** The next `times` requests matching `when` get a 429 (Retry-After `retryAfter` s, Stripe-Should-Retry). */
	rateLimit(options: {
		times: number;
		retryAfter?: string;
		shouldRetry?: boolean;
		when?: (req: RecordedRequest) => boolean;
	}): void;
	close(): Promise<void>;
}

const NEEDS: Record<
	Collection,
	{ read: StandInPermission; write?: StandInPermission }
> = {
	events: { read: "event_read" },
	customers: { read: "customer_read" },
	subscriptions: { read: "subscription_read" },
	invoices: { read: "invoice_read" },
	webhook_endpoints: { read: "webhook_read", write: "webhook_write" },
};

const error = (
	status: number,
	body: Record<string, unknown>,
	headers: Record<string, string> = {},
) => ({ status, body: { error: body }, headers });

/**
 * `keys`: each accepted key and its permissions ("all" for a secret key). Any other key gets 401.
 */
export async function startStripeApi(
	keys: Record<string, "all" | readonly StandInPermission[]>,
): Promise<StripeApiStandIn> {
	const requests: RecordedRequest[] = [];
	const store = new Map<Collection, Map<string, StripeObject>>(
		(Object.keys(NEEDS) as Collection[]).map((c) => [c, new Map()]),
	);
	const undelivered = new Set<string>();
	const replays = new Map<
		string,
		{ form: string; status: number; body: unknown }
	>();
	let limits: Array<{
		left: number;
		retryAfter?: string;
		shouldRetry: boolean;
		when: (r: RecordedRequest) => boolean;
	}> = [];

	const respond = (
		req: RecordedRequest,
	): { status: number; body: unknown; headers?: Record<string, string> } => {
		const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
		const granted = auth === undefined ? undefined : keys[auth];
		if (auth === undefined || granted === undefined)
			return error(401, {
				type: "invalid_request_error",
				message: `Invalid API Key provided: ${auth ? `${auth.slice(0, 8)}****${auth.slice(-4)}` : "(none)"}`,
			});
		const limit = limits.find((l) => l.left > 0 && l.when(req));
		if (limit) {
			limit.left -= 1;
			return error(
				429,
				{
					type: "invalid_request_error",
					code: "rate_limit",
					message:
						"Request rate limit exceeded. Please retry after a short delay.",
				},
				{
					...(limit.retryAfter ? { "retry-after": limit.retryAfter } : {}),
					"stripe-should-retry": String(limit.shouldRetry),
				},
			);
		}
		const match =
			/^\/v1\/(events|customers|subscriptions|invoices|webhook_endpoints)(?:\/([^/]+))?$/.exec(
				req.path,
			);
		if (!match)
			return error(404, {
				type: "invalid_request_error",
				message: `Unrecognized request URL (${req.method}: ${req.path}).`,
			});
		const collection = match[1] as Collection;
		const id = match[2];
		const need =
			req.method === "POST" ? NEEDS[collection].write : NEEDS[collection].read;
		if (need === undefined)
			return error(404, {
				type: "invalid_request_error",
				message: `Unrecognized request URL (${req.method}: ${req.path}).`,
			});
		const allowed =
			granted === "all" ||
			granted.includes(need) ||
			(need.endsWith("_read") &&
				granted.includes(need.replace("_read", "_write") as StandInPermission));
		if (!allowed)
			return error(403, {
				type: "invalid_request_error",
				message: `The provided key '${auth.slice(0, 8)}****${auth.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_standin'. Having the 'rak_${need}' permission would allow this request to continue.`,
			});
		const items = store.get(collection) as Map<string, StripeObject>;
		if (req.method === "GET" && id !== undefined) {
			const found = items.get(id);
			return found
				? { status: 200, body: found }
				: error(404, {
						type: "invalid_request_error",
						code: "resource_missing",
						param: "id",
						message: `No such ${collection.replace(/s$/, "").replace("_", " ")}: '${id}'`,
					});
		}
		if (req.method === "GET") return list(collection, items, req);
		if (
			req.method === "POST" &&
			collection === "webhook_endpoints" &&
			id === undefined
		)
			return idempotent(req, () => createEndpoint(items, req.form));
		return error(404, {
			type: "invalid_request_error",
			message: `Unrecognized request URL (${req.method}: ${req.path}).`,
		});
	};

	const list = (
		collection: Collection,
		items: Map<string, StripeObject>,
		req: RecordedRequest,
	) => {
		const q = req.query;
		const limitValue = Number(q.get("limit") ?? "10");
		if (!Number.isInteger(limitValue) || limitValue < 1 || limitValue > 100)
			return error(400, {
				type: "invalid_request_error",
				code: "parameter_invalid_integer",
				param: "limit",
				message: "Invalid integer: limit must be between 1 and 100",
			});
		const bound = (op: string) =>
			q.has(`created[${op}]`) ? Number(q.get(`created[${op}]`)) : undefined;
		const [gte, gt, lte, lt] = ["gte", "gt", "lte", "lt"].map(bound);
		const exact = q.has("created") ? Number(q.get("created")) : undefined;
		const types = [...arrayParam(q, "types"), ...q.getAll("type")];
		let rows = [...items.values()]
			.filter(
				(o) =>
					(gte === undefined || o.created >= gte) &&
					(gt === undefined || o.created > gt) &&
					(lte === undefined || o.created <= lte) &&
					(lt === undefined || o.created < lt) &&
					(exact === undefined || o.created === exact),
			)
			.filter((o) => types.length === 0 || types.includes(String(o.type)))
			.filter(
				(o) => q.get("delivery_success") !== "false" || undelivered.has(o.id),
			)
			.filter(
				(o) => q.get("delivery_success") !== "true" || !undelivered.has(o.id),
			)
			.filter((o) => !q.has("customer") || o.customer === q.get("customer"))
			.filter(
				(o) =>
					!q.has("status") ||
					q.get("status") === "all" ||
					o.status === q.get("status"),
			)
			// Newest first; ties broken by id, so pages never overlap.
			.sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
		const after = q.get("starting_after");
		const before = q.get("ending_before");
		let hasMore: boolean;
		if (after !== null || before !== null) {
			const cursor = after ?? before ?? "";
			const at = rows.findIndex((o) => o.id === cursor);
			if (at < 0)
				return error(400, {
					type: "invalid_request_error",
					code: "resource_missing",
					param: after ? "starting_after" : "ending_before",
					message: `No such object: '${cursor}'`,
				});
			if (after !== null) {
				rows = rows.slice(at + 1);
				hasMore = rows.length > limitValue;
				rows = rows.slice(0, limitValue);
			} else {
				rows = rows.slice(0, at);
				hasMore = rows.length > limitValue;
				rows = rows.slice(-limitValue);
			}
		} else {
			hasMore = rows.length > limitValue;
			rows = rows.slice(0, limitValue);
		}
		const expand = arrayParam(q, "expand").filter((path) =>
			path.startsWith("data."),
		);
		const data = rows.map((row) =>
			expandIds(
				row,
				expand.map((p) => p.slice(5)),
			),
		);
		return {
			status: 200,
			body: {
				object: "list",
				data,
				has_more: hasMore,
				url: `/v1/${collection}`,
			},
		};
	};

	const expandIds = (row: StripeObject, fields: string[]) => {
		if (fields.length === 0) return row;
		const copy: Record<string, unknown> = { ...row };
		for (const field of fields) {
			const value = copy[field];
			if (typeof value !== "string") continue;
			for (const items of store.values()) {
				const found = items.get(value);
				if (found) copy[field] = found;
			}
		}
		return copy;
	};

	const idempotent = (
		req: RecordedRequest,
		create: () => { status: number; body: unknown },
	) => {
		const key = req.headers["idempotency-key"];
		if (typeof key !== "string") return create();
		const form = JSON.stringify(req.form);
		const seen = replays.get(key);
		if (seen && seen.form !== form)
			return error(400, {
				type: "idempotency_error",
				message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
			});
		if (seen)
			return {
				status: seen.status,
				body: seen.body,
				headers: { "idempotent-replayed": "true" },
			};
		const result = create();
		replays.set(key, { form, ...result });
		return result;
	};

	const createEndpoint = (
		items: Map<string, StripeObject>,
		form: Record<string, unknown>,
	) => {
		const events = form.enabled_events;
		if (
			typeof form.url !== "string" ||
			!Array.isArray(events) ||
			events.length === 0
		)
			return error(400, {
				type: "invalid_request_error",
				code: "parameter_missing",
				param: typeof form.url !== "string" ? "url" : "enabled_events",
				message: "Missing required param.",
			});
		const endpoint: StripeObject = {
			...stripeExample("webhook_endpoint"),
			id: `we_${randomBytes(12).toString("hex")}`,
			created: Math.floor(Date.now() / 1000),
			url: form.url,
			enabled_events: events,
			api_version:
				typeof form.api_version === "string" ? form.api_version : null,
			description:
				typeof form.description === "string" ? form.description : null,
		};
		items.set(endpoint.id, endpoint);
		// `secret` is in the spec's webhook_endpoint schema and is returned only on creation.
		return {
			status: 200,
			body: { ...endpoint, secret: `whsec_${randomBytes(24).toString("hex")}` },
		};
	};

	const sockets = new Set<net.Socket>();
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			const url = new URL(req.url ?? "/", "http://stand-in");
			const recorded: RecordedRequest = {
				method: req.method ?? "GET",
				path: url.pathname,
				query: url.searchParams,
				form: parseForm(Buffer.concat(chunks).toString("utf8")),
				headers: req.headers,
			};
			requests.push(recorded);
			const reply = respond(recorded);
			res.writeHead(reply.status, {
				"content-type": "application/json",
				"request-id": `req_${randomBytes(7).toString("hex")}`,
				...(reply.headers ?? {}),
			});
			res.end(JSON.stringify(reply.body));
		});
	});
	server.on("connection", (socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		seed(collection, objects) {
			const items = store.get(collection) as Map<string, StripeObject>;
			for (const object of objects) items.set(object.id, object);
		},
		markUndelivered(ids) {
			const events = store.get("events") as Map<string, StripeObject>;
			for (const id of ids) {
				undelivered.add(id);
				const event = events.get(id);
				if (event) event.pending_webhooks = 1;
			}
		},
		objects: (collection) => [
			...(store.get(collection) as Map<string, StripeObject>).values(),
		],
		rateLimit(options) {
			limits.push({
				left: options.times,
				retryAfter: options.retryAfter,
				shouldRetry: options.shouldRetry ?? true,
				when: options.when ?? (() => true),
			});
		},
		async close() {
			limits = [];
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** `name[]=a&name[]=b` or `name[0]=a&name[1]=b` (the SDK's form), in order. */
function arrayParam(query: URLSearchParams, name: string): string[] {
	const pattern = new RegExp(`^${name}\\[\\d*\\]$`);
	return [...query]
		.filter(([key]) => pattern.test(key))
		.map(([, value]) => value);
}

/** application/x-www-form-urlencoded with Stripe's bracket notation: a[b]=1, a[0]=x, a[]=y. */
export function parseForm(text: string): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [rawKey, value] of new URLSearchParams(text)) {
		const [head = "", ...rest] = rawKey
			.split("[")
			.map((part) => part.replace(/]$/, ""));
		let target: Record<string, unknown> | unknown[] = out;
		let key: string = head;
		for (const part of rest) {
			const container = (target as Record<string, unknown>)[key];
			const next = container ?? (part === "" || /^\d+$/.test(part) ? [] : {});
			(target as Record<string, unknown>)[key] = next;
			target = next as Record<string, unknown>;
			key = part === "" ? String((next as unknown[]).length) : part;
		}
		(target as Record<string, unknown>)[key] = value;
	}
	return out;
}
