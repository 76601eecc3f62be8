/** The shapes `@plumb-dev/plumb/client` sends and receives: the intent bodies of PRODUCT §4, kept in step with the server's zod schemas by a type test. */

export type IntentType =
	| "signup"
	| "lead_captured"
	| "chat_started"
	| "support_requested";

export interface Utm {
	source?: string;
	medium?: string;
	campaign?: string;
}

export interface SignupData {
	email: string;
	name?: string;
	phone?: string;
	utm?: Utm;
	referrer?: string;
}

export interface LeadData {
	email: string;
	name?: string;
	company?: string;
	phone?: string;
	source?: string;
	utm?: Utm;
}

export interface ChatData {
	session_id: string;
}

/** A hint: Plumb may raise it to `billing_issue` or `refund_request` when the text talks about money. */
export type SupportCategory =
	| "billing_issue"
	| "refund_request"
	| "onboarding_blocker"
	| "account_access"
	| "bug"
	| "other";

export interface SupportData {
	message: string;
	subject?: string;
	category?: SupportCategory;
	/** http(s) links; Plumb stores them and never fetches them. */
	attachments?: string[];
}

/** Only with a server API key: whom the intent is about. End users are their access token. */
export interface IntentCustomer {
	email: string;
	user_id?: string;
}

export type Intent =
	| { type: "signup"; data: SignupData; customer?: IntentCustomer }
	| { type: "lead_captured"; data: LeadData; customer?: IntentCustomer }
	| { type: "chat_started"; data: ChatData; customer?: IntentCustomer }
	| { type: "support_requested"; data: SupportData; customer?: IntentCustomer };

export type RequestStatus =
	| "received"
	| "processing"
	| "done"
	| "retrying"
	| "failed";

/** The 202 answer to an intent (the same on a retry with the same Idempotency-Key). */
export interface Accepted {
	id: string;
	status: "received";
	/** Relative to the Plumb base URL: `/v1/requests/<id>`. */
	status_url: string;
}

/** GET /v1/requests/:id. `message` is a sentence to show the user as is. */
export interface RequestState {
	id: string;
	type: IntentType;
	status: RequestStatus;
	message: string;
	received_at: string;
}

/**
 * Why a call did not succeed:
 * - http: Plumb answered with an error (`code` is its `error`, e.g. validation_failed, rate_limited);
 * - network: no answer (offline, DNS, reset, per-attempt timeout) after every retry;
 * - timeout: waitForStatus gave up before the status was reached (`last` is what it saw);
 * - aborted: the caller's AbortSignal fired.
 */
export interface PlumbError {
	kind: "http" | "network" | "timeout" | "aborted";
	code: string;
	message: string;
	status?: number;
	details?: Array<{ field: string; message: string }>;
	last?: RequestState;
}

/** Errors are values: check `ok` instead of catching. */
export type PlumbResult<T> =
	| { ok: true; value: T }
	| { ok: false; error: PlumbError };

export interface PlumbClientOptions {
	/** Where Plumb answers, e.g. `https://plumb.example.com`. */
	baseUrl: string;
	/**
	 * The bearer credential: a Supabase access token (pass a function so each request uses the
	 * current, refreshed session) or, on a server only, a Plumb API key.
	 */
	token: string | (() => string | undefined | Promise<string | undefined>);
	/** Another fetch (a wrapper, a test double); the global one by default. */
	fetch?: typeof fetch;
	/** Retries after a network failure, a 5xx, a 408 or a 429 (default 4). */
	retries?: number;
	/** First backoff step (default 500 ms), doubled per retry, with jitter, capped by `maxDelayMs`. */
	baseDelayMs?: number;
	/** Longest wait between tries, Retry-After included (default 30 s). */
	maxDelayMs?: number;
	/** Each attempt's own time limit (default 10 s). */
	attemptTimeoutMs?: number;
	/** Makes an Idempotency-Key; `crypto.randomUUID()` when available. */
	idempotencyKey?: () => string;
	/** For tests: how to wait, and the clock. */
	sleep?: (ms: number) => Promise<void>;
	now?: () => number;
	random?: () => number;
}

export interface SubmitOptions {
	/** Reuse one key for a logical action across app restarts; a fresh one is made otherwise. */
	idempotencyKey?: string;
	signal?: AbortSignal;
}

export interface WaitOptions {
	/** Statuses that end the wait (default: done and failed). */
	until?: RequestStatus[];
	/** Give up after this long (default 30 s). */
	timeoutMs?: number;
	/** Time between polls (default 1 s). */
	intervalMs?: number;
	signal?: AbortSignal;
}

export interface PlumbClient {
	/** POST /v1/events with an Idempotency-Key, retried safely: a retry can never make a second event. */
	submitIntent(
		intent: Intent,
		options?: SubmitOptions,
	): Promise<PlumbResult<Accepted>>;
	/** GET /v1/requests/:id once. */
	getStatus(
		id: string,
		options?: { signal?: AbortSignal },
	): Promise<PlumbResult<RequestState>>;
	/** Polls GET /v1/requests/:id until the status is one of `until`, or the time is up. */
	waitForStatus(
		id: string,
		options?: WaitOptions,
	): Promise<PlumbResult<RequestState>>;
}
