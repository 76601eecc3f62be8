/** The `@plumb-dev/plumb/client` implementation: fetch, timers and Web Crypto only, so it runs in Expo, browsers, Deno and Supabase Edge Functions. */
import type {
	Accepted,
	Intent,
	PlumbClient,
	PlumbClientOptions,
	PlumbError,
	PlumbResult,
	RequestState,
	RequestStatus,
} from "./types.ts";

const DEFAULTS = {
	retries: 4,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
	attemptTimeoutMs: 10_000,
	waitTimeoutMs: 30_000,
	pollIntervalMs: 1_000,
};

interface WebCrypto {
	randomUUID?: () => string;
	getRandomValues?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * A UUIDv4. React Native has no `crypto.randomUUID` unless a polyfill (expo-crypto,
 * react-native-get-random-values) adds it; the last fallback is Math.random, which is enough for an
 * idempotency key: it needs to be unique per caller, not secret.
 */
export function randomKey(): string {
	const webCrypto = (globalThis as { crypto?: WebCrypto }).crypto;
	if (typeof webCrypto?.randomUUID === "function")
		return webCrypto.randomUUID();
	const bytes = new Uint8Array(16);
	if (typeof webCrypto?.getRandomValues === "function")
		webCrypto.getRandomValues(bytes);
	else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
	bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
	bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
	const hex = Array.from(bytes, (byte) =>
		byte.toString(16).padStart(2, "0"),
	).join("");
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined if unreadable. */
function retryAfterMs(
	header: string | null,
	nowMs: number,
): number | undefined {
	const value = header?.trim() ?? "";
	if (/^\d+$/.test(value)) return Number(value) * 1000;
	const date = /[A-Za-z]/.test(value) ? Date.parse(value) : Number.NaN;
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** A network failure, a timeout, a 5xx, 408 or 429: the same request may succeed later. */
const retryable = (status: number | undefined) =>
	status === undefined || status >= 500 || status === 408 || status === 429;

async function errorFrom(res: Response): Promise<PlumbError> {
	let body: { error?: unknown; message?: unknown; details?: unknown } = {};
	try {
		body = (await res.json()) as typeof body;
	} catch {
		// A proxy's HTML error page: the status says enough.
	}
	return {
		kind: "http",
		status: res.status,
		code: typeof body.error === "string" ? body.error : `http_${res.status}`,
		message:
			typeof body.message === "string"
				? body.message
				: `Plumb answered ${res.status}.`,
		...(Array.isArray(body.details)
			? { details: body.details as PlumbError["details"] }
			: {}),
	};
}

const aborted = (): PlumbResult<never> => ({
	ok: false,
	error: {
		kind: "aborted",
		code: "aborted",
		message: "The request was aborted.",
	},
});

/** Builds a client; nothing is sent until a method is called. */
export function createPlumbClient(options: PlumbClientOptions): PlumbClient {
	const baseUrl = options.baseUrl.replace(/\/+$/, "");
	const fetchImpl =
		options.fetch ?? ((input, init) => globalThis.fetch(input, init));
	const retries = options.retries ?? DEFAULTS.retries;
	const baseDelay = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
	const maxDelay = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
	const attemptTimeout = options.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs;
	const sleep =
		options.sleep ??
		((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
	const now = options.now ?? Date.now;
	const random = options.random ?? Math.random;
	const newKey = options.idempotencyKey ?? randomKey;

	async function token(): Promise<string | undefined> {
		return typeof options.token === "function"
			? options.token()
			: options.token;
	}

	/** One logical request: tried until it succeeds, fails for good, or runs out of retries. */
	async function send<T>(
		method: "GET" | "POST",
		path: string,
		init: {
			body?: string;
			idempotencyKey?: string;
			signal?: AbortSignal | undefined;
		},
	): Promise<PlumbResult<T>> {
		for (let attempt = 0; ; attempt++) {
			if (init.signal?.aborted) return aborted();
			const headers: Record<string, string> = { accept: "application/json" };
			const credential = await token();
			if (credential) headers.authorization = `Bearer ${credential}`;
			if (init.body !== undefined) headers["content-type"] = "application/json";
			if (init.idempotencyKey !== undefined)
				headers["idempotency-key"] = init.idempotencyKey;
			const controller = new AbortController();
			const stop = () => controller.abort();
			init.signal?.addEventListener("abort", stop);
			const timer = setTimeout(stop, attemptTimeout);
			let res: Response | undefined;
			let failure: unknown;
			try {
				res = await fetchImpl(`${baseUrl}${path}`, {
					method,
					headers,
					...(init.body === undefined ? {} : { body: init.body }),
					signal: controller.signal,
				});
			} catch (error) {
				failure = error;
			} finally {
				clearTimeout(timer);
				init.signal?.removeEventListener("abort", stop);
			}
			if (init.signal?.aborted) return aborted();
			if (res?.ok) return { ok: true, value: (await res.json()) as T };
			if (!retryable(res?.status) || attempt >= retries) {
				if (res !== undefined)
					return { ok: false, error: await errorFrom(res) };
				return {
					ok: false,
					error: {
						kind: "network",
						code: "network_error",
						message:
							failure instanceof Error
								? failure.message
								: "Plumb could not be reached.",
					},
				};
			}
			// Exponential backoff with jitter, unless Plumb said how long to wait.
			const hinted =
				res === undefined
					? undefined
					: retryAfterMs(res.headers.get("retry-after"), now());
			const backoff =
				Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.5 + random() / 2);
			await res?.body?.cancel().catch(() => undefined);
			await sleep(Math.min(maxDelay, hinted ?? backoff));
		}
	}

	const getStatus: PlumbClient["getStatus"] = (id, opts = {}) =>
		send<RequestState>("GET", `/v1/requests/${encodeURIComponent(id)}`, {
			signal: opts.signal,
		});

	return {
		submitIntent(intent: Intent, opts = {}) {
			// One key for every retry of this call: that is what makes a retry safe.
			return send<Accepted>("POST", "/v1/events", {
				body: JSON.stringify(intent),
				idempotencyKey: opts.idempotencyKey ?? newKey(),
				signal: opts.signal,
			});
		},
		getStatus,
		async waitForStatus(id, opts = {}) {
			const until: RequestStatus[] = opts.until ?? ["done", "failed"];
			const deadline = now() + (opts.timeoutMs ?? DEFAULTS.waitTimeoutMs);
			const interval = opts.intervalMs ?? DEFAULTS.pollIntervalMs;
			let last: RequestState | undefined;
			for (;;) {
				const state = await getStatus(id, { signal: opts.signal });
				if (!state.ok) return state;
				last = state.value;
				if (until.includes(last.status)) return state;
				if (now() + interval > deadline)
					return {
						ok: false,
						error: {
							kind: "timeout",
							code: "timeout",
							message: `The request is still ${last.status}.`,
							last,
						},
					};
				await sleep(interval);
			}
		},
	};
}
