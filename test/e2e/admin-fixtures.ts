/** Admin test fixtures: a customer who paid (through signed webhooks and the worker), and a dashboard login. */
import { afterEach, beforeEach } from "vitest";
import { TEST_ADMIN_TOKEN, type TestApp, testApp } from "../support/app.ts";
import { type Backend, freshDb, type TestDb } from "../support/db.ts";
import { one, postStripe, stripeEvent } from "../support/state.ts";
import { drainEvents } from "../support/worker.ts";

export const ORIGIN = "http://127.0.0.1:8787";
export const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

export interface PaidCustomer {
	id: string;
	email: string;
	/** The HubSpot CRM sync the payment queued. */
	syncId: string;
	eventId: string;
}

/** A checkout.session.completed for `email`, applied by the worker: one customer, one pending CRM sync. */
export async function paidCustomer(
	testDb: TestDb,
	options: { email?: string; name?: string; n?: number } = {},
): Promise<PaidCustomer> {
	const n = options.n ?? 1;
	const email = options.email ?? `ada${n}@example.com`;
	await postStripe(testDb.db, [
		stripeEvent(
			"checkout.session.completed",
			{
				id: `cs_${n}`,
				object: "checkout.session",
				customer: `cus_${n}`,
				customer_details: { email, name: options.name ?? `Ada ${n}` },
				client_reference_id: `user-${n}`,
				payment_status: "paid",
				mode: "payment",
				payment_intent: `pi_${n}`,
				amount_total: 2000,
				currency: "usd",
			},
			n,
			`evt_paid_${n}`,
		),
	]);
	await drainEvents(testDb.db);
	const row = await one<{ id: string; sync: string; event: string }>(
		testDb.db,
		`select c.id, d.id as sync, d.event_id as event from plumb.customers c
		 join plumb.deliveries d on d.customer_id = c.id and d.action = 'crm_sync'
		 where c.email = $1`,
		[email.toLowerCase()],
	);
	return { id: row.id, email, syncId: row.sync, eventId: row.event };
}

/** Sets a delivery's state as the worker would after some attempts (with the attempt rows). */
export async function settle(
	testDb: TestDb,
	id: string,
	state:
		| { status: "dead"; error: string; httpStatus: number; attempts?: number }
		| { status: "succeeded"; ref: string }
		| { status: "retry_pending"; error: string; inSeconds: number },
): Promise<void> {
	const attempts =
		state.status === "dead"
			? (state.attempts ?? 3)
			: state.status === "succeeded"
				? 1
				: 1;
	for (let attempt = 1; attempt <= attempts; attempt++) {
		const ok = state.status === "succeeded";
		await testDb.db.query(
			`insert into plumb.delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, http_status, error, external_ref)
			 values ($1, $2, now(), now(), $3, $4, $5, $6)`,
			[
				id,
				attempt,
				ok ? "succeeded" : state.status === "dead" ? "permanent" : "retry",
				ok ? 200 : state.status === "dead" ? state.httpStatus : 503,
				ok ? null : state.error,
				ok ? state.ref : null,
			],
		);
	}
	await testDb.db.query(
		`update plumb.deliveries set status = $2, attempts = $3, last_error = $4, external_ref = $5,
		   next_attempt_at = now() + $6 * interval '1 second',
		   succeeded_at = case when $2 = 'succeeded' then now() end,
		   dead_at = case when $2 = 'dead' then now() end, updated_at = now()
		 where id = $1`,
		[
			id,
			state.status,
			attempts,
			state.status === "succeeded" ? null : state.error,
			state.status === "succeeded" ? state.ref : null,
			state.status === "retry_pending" ? state.inSeconds : 0,
		],
	);
}

export interface Session {
	/** The Cookie header value. */
	cookie: string;
	csrf: string;
	setCookies: string[];
}

/** The `name=value` pairs of a response's Set-Cookie headers, joined for a Cookie header. */
export function cookiesOf(res: Response): string {
	return res.headers
		.getSetCookie()
		.map((c) => c.split(";")[0] ?? "")
		.filter((pair) => !pair.endsWith("="))
		.join("; ");
}

/** Logs in through the form, as a browser on `origin` would; returns the session cookie and CSRF token. */
export async function login(
	app: TestApp["app"],
	options: { origin?: string; token?: string } = {},
): Promise<Session> {
	const page = await app.request("/admin/login");
	const loginCookie = cookiesOf(page);
	const html = await page.text();
	const loginToken = /name="login_token" value="([^"]+)"/.exec(html)?.[1] ?? "";
	const res = await app.request("/admin/login", {
		method: "POST",
		headers: {
			cookie: loginCookie,
			origin: options.origin ?? ORIGIN,
			"sec-fetch-site": "same-origin",
			"content-type": "application/x-www-form-urlencoded",
		},
		body: new URLSearchParams({
			token: options.token ?? TEST_ADMIN_TOKEN,
			login_token: loginToken,
			next: "/admin",
		}).toString(),
	});
	if (res.status !== 303) throw new Error(`login answered ${res.status}`);
	const cookie = cookiesOf(res);
	const overview = await app.request("/admin", { headers: { cookie } });
	const csrf = /name="_csrf" value="([^"]+)"/.exec(await overview.text())?.[1];
	if (!csrf) throw new Error("no CSRF token on the overview");
	return { cookie, csrf, setCookies: res.headers.getSetCookie() };
}

/** A form post from our own page (same origin, with the session's token unless `csrf` overrides it). */
export function formPost(
	app: TestApp["app"],
	path: string,
	session: Session,
	fields: Record<string, string>,
	headers: Record<string, string> = {},
) {
	return app.request(path, {
		method: "POST",
		headers: {
			cookie: session.cookie,
			origin: ORIGIN,
			"sec-fetch-site": "same-origin",
			"content-type": "application/x-www-form-urlencoded",
			...headers,
		},
		body: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
	});
}

/** What `useDashboard` gives each test: its database, the app over it, and a logged-in session. */
export interface Dashboard {
	testDb: TestDb;
	app: TestApp["app"];
	session: Session;
	/** GETs `path` as the session. */
	page(
		path: string,
	): Promise<{ status: number; html: string; location: string | null }>;
}

/** A fresh database, the app and a logged-in session for every test of the calling `describe`. */
export function useDashboard(backend: Backend): Dashboard {
	const d = {
		async page(path: string) {
			const res = await d.app.request(path, {
				headers: { cookie: d.session.cookie },
			});
			return {
				status: res.status,
				html: await res.text(),
				location: res.headers.get("location"),
			};
		},
	} as Dashboard;
	beforeEach(async () => {
		d.testDb = await freshDb(backend);
		d.app = testApp(d.testDb.db).app;
		d.session = await login(d.app);
	});
	afterEach(async () => {
		await d.testDb.dispose();
	});
	return d;
}
