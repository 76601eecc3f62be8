/** What bench:admin measures: each dashboard query the issue names, as a path per sample. */
import { SIZES } from "./admin-load.ts";

export const TOKEN = "bench-admin-token-0123456789abcdef";

/** A customer number that rotates with the sample, skipping the heavy customer 1. */
export const someone = (i: number) => ((i * 7919) % (SIZES.customers - 1)) + 2;

export interface Target {
	name: string;
	path: (i: number) => string;
	/** "api" answers JSON with the bearer token; "page" answers HTML to a session cookie. */
	kind: "api" | "page" | "open";
	/** The first answer must show at least one row (a list) or this text (a page). */
	expect?: string;
}

/** The targets, given the customers the load made (a few typical ones, and the heavy one). */
export function adminTargets(ids: {
	typical: string[];
	heavy: string;
}): Target[] {
	const { typical, heavy } = ids;
	return [
		{
			name: "GET /readyz (baseline: HTTP + one trivial query)",
			path: () => "/readyz",
			kind: "open",
		},
		{
			name: "customer page, JSON (typical customer)",
			path: (i) => `/admin/api/customers/${typical[i % typical.length]}`,
			kind: "api",
			expect: "integrations",
		},
		{
			name: "customer page, HTML (typical customer)",
			path: (i) => `/admin/customers/${typical[i % typical.length]}`,
			kind: "page",
			expect: "Integration state",
		},
		{
			name: "customer page, JSON (2,000 events, 6,000 deliveries)",
			path: () => `/admin/api/customers/${heavy}`,
			kind: "api",
			expect: "integrations",
		},
		{
			name: "customer page, HTML (2,000 events, 6,000 deliveries)",
			path: () => `/admin/customers/${heavy}`,
			kind: "page",
			expect: "Integration state",
		},
		{
			name: "deliveries ?status=dead",
			path: () => "/admin/api/deliveries?status=dead",
			kind: "api",
		},
		{
			name: "deliveries ?destination=hubspot",
			path: () => "/admin/api/deliveries?destination=hubspot",
			kind: "api",
		},
		{
			name: "deliveries ?status=dead&destination=hubspot",
			path: () => "/admin/api/deliveries?status=dead&destination=hubspot",
			kind: "api",
		},
		{
			name: "deliveries ?status=succeeded&destination=zendesk",
			path: () => "/admin/api/deliveries?status=succeeded&destination=zendesk",
			kind: "api",
		},
		{
			name: "deliveries ?q=<e-mail>",
			path: (i) => `/admin/api/deliveries?q=user${someone(i)}@example.com`,
			kind: "api",
		},
		{
			name: "customers ?q=<e-mail>",
			path: (i) => `/admin/api/customers?q=USER${someone(i)}@example.com`,
			kind: "api",
		},
		{
			name: "customers ?q=<start of an e-mail>",
			path: (i) => `/admin/api/customers?q=user${someone(i)}`,
			kind: "api",
		},
		{
			name: "customers ?q=<name>",
			path: (i) => `/admin/api/customers?q=User%20${someone(i)}`,
			kind: "api",
		},
		{
			name: "customers ?q=<part of a name>",
			path: (i) => `/admin/api/customers?q=ser%20${someone(i)}`,
			kind: "api",
		},
		{
			name: "customers ?q=example.com (an e-mail domain every customer has)",
			path: () => "/admin/api/customers?q=example.com",
			kind: "api",
		},
		{
			name: "customers ?q=<part of a cus_ id>",
			path: (i) => `/admin/api/customers?q=us_${someone(i)}`,
			kind: "api",
		},
		{
			name: "customers ?q=<nothing matches> (scans every name and identity)",
			path: (i) => `/admin/api/customers?q=nobody-${i}`,
			kind: "api",
			expect: '"items":[]',
		},
		{
			name: "customers ?q=pi_… (provider id)",
			path: (i) => `/admin/api/customers?q=pi_${someone(i)}`,
			kind: "api",
		},
		{
			name: "customers ?q=cus_… (provider id)",
			path: (i) => `/admin/api/customers?q=cus_${someone(i)}`,
			kind: "api",
		},
		{
			name: "events ?q=evt_… (provider id)",
			path: (i) => `/admin/api/events?q=evt_${someone(i) * 3 + 1}`,
			kind: "api",
		},
		{
			name: "events ?q=<e-mail>",
			path: (i) => `/admin/api/events?q=user${someone(i)}@example.com`,
			kind: "api",
		},
		{
			name: "events ?type=payment_failed",
			path: () => "/admin/api/events?type=payment_failed",
			kind: "api",
		},
		{
			name: "events ?status=failed",
			path: () => "/admin/api/events?status=failed",
			kind: "api",
		},
		{
			name: "events ?from=<2 days ago>&source=app",
			path: () =>
				`/admin/api/events?source=app&from=${new Date(Date.now() - 2 * 86_400_000).toISOString()}`,
			kind: "api",
		},
		{
			name: "alerts ?status=open",
			path: () => "/admin/api/alerts?status=open",
			kind: "api",
		},
		{
			name: "overview page, HTML (24 h charts, queue)",
			path: () => "/admin",
			kind: "page",
			expect: "Deliveries, last 24 h",
		},
		{
			name: "money page, HTML (today, 7 and 30 days, 30-day chart)",
			path: () => "/admin/money",
			kind: "page",
			expect: "Payments per day, last 30 days",
		},
		{
			name: "money, JSON",
			path: () => "/admin/api/money",
			kind: "api",
			expect: "byCurrency",
		},
		{
			name: "deliveries page, HTML ?status=dead",
			path: () => "/admin/deliveries?status=dead",
			kind: "page",
			expect: "data-delivery=",
		},
	];
}

/** Logs in through the form, as a browser would; returns the session cookie. */
export async function login(url: string): Promise<string> {
	const page = await fetch(`${url}/admin/login`);
	const loginCookie = page.headers
		.getSetCookie()
		.map((c) => c.split(";")[0])
		.join("; ");
	const token =
		/name="login_token" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
	const res = await fetch(`${url}/admin/login`, {
		method: "POST",
		redirect: "manual",
		headers: {
			cookie: loginCookie,
			origin: url,
			"content-type": "application/x-www-form-urlencoded",
		},
		body: new URLSearchParams({
			token: TOKEN,
			login_token: token,
			next: "/admin",
		}).toString(),
	});
	const session = res.headers
		.getSetCookie()
		.find((c) => c.startsWith("plumb_session="));
	if (res.status !== 303 || !session)
		throw new Error(`login answered ${res.status}`);
	return session.split(";")[0] ?? "";
}
