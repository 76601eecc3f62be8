/**
 * The admin area's security model over HTTP: nothing without the token or a session, sessions in
 * Postgres with Strict HttpOnly cookies, CSRF checks on every state change, and a nonce'd CSP.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, testApp } from "../support/app.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import {
	bearer,
	formPost,
	login,
	ORIGIN,
	paidCustomer,
	settle,
} from "./admin-fixtures.ts";

const ID = "01a20a00-0000-7000-8000-000000000001";
const API_ROUTES: Array<[string, string]> = [
	["GET", "/admin/api/customers"],
	["GET", `/admin/api/customers/${ID}`],
	["GET", "/admin/api/events"],
	["GET", `/admin/api/events/${ID}`],
	["GET", "/admin/api/deliveries"],
	["GET", "/admin/api/alerts"],
	["GET", "/admin/api/instance"],
	["POST", `/admin/api/deliveries/${ID}/replay`],
	["POST", "/admin/api/deliveries/replay"],
	["POST", `/admin/api/alerts/${ID}/acknowledge`],
];
const PAGE_ROUTES: Array<[string, string]> = [
	["GET", "/admin"],
	["GET", "/admin/customers?q=ada"],
	["GET", `/admin/customers/${ID}`],
	["GET", "/admin/deliveries?status=dead"],
	["GET", "/admin/deliveries/replay"],
	["GET", "/admin/events"],
	["GET", `/admin/events/${ID}`],
	["GET", "/admin/alerts"],
	["POST", "/admin/logout"],
	["POST", `/admin/deliveries/${ID}/replay`],
	["POST", "/admin/deliveries/replay"],
	["POST", `/admin/alerts/${ID}/acknowledge`],
];

describe.each(backends)("admin security on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("answers 401 (API) or a redirect to the login page (pages) to every route without a session or token", async () => {
		const { app } = testApp(testDb.db);
		for (const [method, path] of API_ROUTES) {
			for (const headers of [
				{},
				{ authorization: "Bearer wrong" },
				{
					cookie: "plumb_session=forged-forged-forged-forged-forged-forged-xx",
				},
			] as Array<Record<string, string>>) {
				const res = await app.request(path, { method, headers });
				expect(res.status, `${method} ${path}`).toBe(401);
				expect(await res.json()).toMatchObject({ error: "unauthorized" });
			}
		}
		for (const [method, path] of PAGE_ROUTES) {
			const res = await app.request(path, {
				method,
				headers: { "content-type": "application/x-www-form-urlencoded" },
				body: method === "POST" ? "_csrf=x" : undefined,
			});
			expect(res.status, `${method} ${path}`).toBe(303);
			const location = res.headers.get("location") ?? "";
			expect(location).toMatch(/^\/admin\/login\?next=/);
			if (method === "GET")
				expect(decodeURIComponent(location.split("next=")[1] ?? "")).toBe(path);
		}
		// A link from another site (HubSpot, Slack) cannot carry the Strict cookie: bounce once through our own origin.
		const bounced = await app.request(`/admin/customers/${ID}`, {
			headers: { "sec-fetch-site": "cross-site" },
		});
		expect(bounced.status).toBe(200);
		expect(await bounced.text()).toContain(
			`<meta http-equiv="refresh" content="0;url=/admin/customers/${ID}"/>`,
		);
	});

	it("is closed, never open, without ADMIN_TOKEN, and says how to set it", async () => {
		const { app } = testApp(testDb.db, { env: { ADMIN_TOKEN: "" } });
		for (const path of ["/admin", "/admin/login", "/admin/customers"]) {
			const res = await app.request(path);
			expect(res.status, path).toBe(503);
			expect(await res.text()).toContain(
				"ADMIN_TOKEN=$(openssl rand -hex 24) npm start",
			);
		}
		const post = await app.request("/admin/login", {
			method: "POST",
			headers: { origin: ORIGIN },
			body: "token=",
		});
		expect(post.status).toBe(503);
		expect(
			(await app.request("/admin/api/customers", { headers: bearer })).status,
		).toBe(401);
	});

	it("refuses a cross-site or token-less state change with 403, and accepts our own form", async () => {
		const { app } = testApp(testDb.db);
		const ada = await paidCustomer(testDb);
		await settle(testDb, ada.syncId, {
			status: "dead",
			error: "refused (400)",
			httpStatus: 400,
		});
		const session = await login(app);
		const path = `/admin/deliveries/${ada.syncId}/replay`;
		const fields = { reason: "fixed", return_to: `/admin/customers/${ada.id}` };
		const attempts: Array<[string, Response | Promise<Response>]> = [
			[
				"no token",
				app.request(path, {
					method: "POST",
					headers: {
						cookie: session.cookie,
						"content-type": "application/x-www-form-urlencoded",
					},
					body: "reason=fixed",
				}),
			],
			[
				"wrong token",
				formPost(app, path, { ...session, csrf: "A".repeat(43) }, fields),
			],
			[
				"cross-site fetch",
				formPost(app, path, session, fields, {
					"sec-fetch-site": "cross-site",
				}),
			],
			[
				"same-site sibling",
				formPost(app, path, session, fields, { "sec-fetch-site": "same-site" }),
			],
			[
				"foreign origin",
				formPost(app, path, session, fields, {
					origin: "https://evil.example",
					"sec-fetch-site": "same-origin",
				}),
			],
			["null origin", formPost(app, path, session, fields, { origin: "null" })],
			[
				"API without header",
				app.request(`/admin/api${path.slice(6)}`, {
					method: "POST",
					headers: {
						cookie: session.cookie,
						origin: ORIGIN,
						"content-type": "application/json",
					},
					body: '{"reason":"x"}',
				}),
			],
		];
		for (const [label, pending] of attempts) {
			const res = await pending;
			expect(res.status, label).toBe(403);
		}
		const [row] = await testDb.db.query<{ status: string }>(
			"select status from plumb.deliveries where id = $1",
			[ada.syncId],
		);
		expect(row?.status).toBe("dead");

		const ok = await formPost(app, path, session, fields);
		expect(ok.status).toBe(303);
		expect(ok.headers.get("location")).toBe(
			`/admin/customers/${ada.id}?notice=replayed`,
		);
		const api = await app.request(
			"/admin/api/alerts/01a20a00-0000-7000-8000-000000000000/acknowledge",
			{
				method: "POST",
				headers: {
					cookie: session.cookie,
					origin: ORIGIN,
					"x-csrf-token": session.csrf,
					"content-type": "application/json",
				},
				body: '{"reason":"x"}',
			},
		);
		expect(api.status).toBe(404);
		// The login form has its own token (double-submit cookie) and the same origin checks.
		const noCookie = await app.request("/admin/login", {
			method: "POST",
			headers: {
				origin: ORIGIN,
				"content-type": "application/x-www-form-urlencoded",
			},
			body: `token=${TEST_ADMIN_TOKEN}&login_token=${"a".repeat(43)}`,
		});
		expect(noCookie.status).toBe(403);
		const crossSite = await app.request("/admin/login", {
			method: "POST",
			headers: {
				origin: "https://evil.example",
				"content-type": "application/x-www-form-urlencoded",
			},
			body: `token=${TEST_ADMIN_TOKEN}`,
		});
		expect(crossSite.status).toBe(403);
	});

	it("sends a nonce'd Content-Security-Policy and the other protective headers, and no inline code", async () => {
		const { app } = testApp(testDb.db);
		const session = await login(app);
		const nonces = new Set<string>();
		for (const path of [
			"/admin",
			"/admin/login",
			"/admin/deliveries",
			"/admin/api/customers",
		]) {
			// The login page is for people without a session (with one, it redirects).
			const res = await app.request(path, {
				headers: path === "/admin/login" ? {} : { cookie: session.cookie },
			});
			const csp = res.headers.get("content-security-policy") ?? "";
			const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
			expect(nonce, path).toBeDefined();
			nonces.add(nonce ?? "");
			for (const directive of [
				"default-src 'none'",
				"frame-ancestors 'none'",
				"object-src 'none'",
				"base-uri 'none'",
				"form-action 'self'",
				"style-src 'self'",
			])
				expect(csp, path).toContain(directive);
			expect(csp).not.toContain("unsafe-inline");
			expect(res.headers.get("x-frame-options")).toBe("DENY");
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
			expect(res.headers.get("referrer-policy")).toBe("same-origin");
			expect(res.headers.get("cache-control")).toBe("no-store");
			if (path.startsWith("/admin/api")) continue;
			const html = await res.text();
			const scripts = html.match(/<script[^>]*>/g) ?? [];
			expect(scripts).toEqual([expect.stringContaining(`nonce="${nonce}"`)]);
			expect(html).toMatch(
				/<script nonce="[^"]+" src="\/admin\/assets\/admin\.js\?v=[0-9a-f]+"/,
			);
			expect(html).not.toMatch(/ style=|<style| on[a-z]+=/);
		}
		expect(nonces.size).toBe(4);
		const css = await app.request("/admin/assets/admin.css");
		expect(css.headers.get("content-type")).toMatch(/^text\/css/);
		expect(css.headers.get("cache-control")).toMatch(/immutable/);
	});
});
