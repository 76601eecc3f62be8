/**
 * Dashboard sessions over HTTP: login with the token only, Strict HttpOnly cookies (__Host- and Secure
 * over HTTPS), a new session at each login, logout, idle and absolute timeouts, a changed ADMIN_TOKEN,
 * no redirect off-site, and a pause after repeated wrong tokens.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, testApp } from "../support/app.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { cookiesOf, formPost, login, ORIGIN } from "./admin-fixtures.ts";

describe.each(backends)("admin sessions on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("logs in with the token only, sets a Strict HttpOnly cookie, rotates it at each login and ends it at logout", async () => {
		const { app } = testApp(testDb.db);
		await expect(login(app, { token: "not-the-token" })).rejects.toThrow(
			"login answered 401",
		);
		const first = await login(app);
		const cookie =
			first.setCookies.find((c) => c.startsWith("plumb_session=")) ?? "";
		expect(cookie).toMatch(/HttpOnly/);
		expect(cookie).toMatch(/SameSite=Strict/);
		expect(cookie).toMatch(/Path=\//);
		expect(cookie).toMatch(/Max-Age=43200/);
		expect(cookie).not.toMatch(/Secure/);
		expect(
			(
				await app.request("/admin/api/customers", {
					headers: { cookie: first.cookie },
				})
			).status,
		).toBe(200);
		// The database keeps only a hash of the cookie's secret.
		const secret = first.cookie.split("=")[1] ?? "";
		const rows = await testDb.db.query<{ id_hash: string }>(
			"select id_hash from plumb.admin_sessions",
		);
		expect(rows).toHaveLength(1);
		expect(JSON.stringify(rows)).not.toContain(secret);

		const second = await login(app);
		expect(second.cookie).not.toBe(first.cookie);
		const logout = await formPost(app, "/admin/logout", second, {});
		expect(logout.status).toBe(303);
		expect(logout.headers.get("location")).toBe(
			"/admin/login?notice=logged_out",
		);
		expect(logout.headers.getSetCookie().join()).toMatch(
			/plumb_session=; Max-Age=0/,
		);
		for (const session of [second])
			expect(
				(await app.request("/admin", { headers: { cookie: session.cookie } }))
					.status,
			).toBe(303);
		expect(
			(await app.request("/admin", { headers: { cookie: first.cookie } }))
				.status,
		).toBe(200);
	});

	it("uses a __Host- Secure cookie when served over HTTPS, and ends sessions on idle, absolute timeout or a new ADMIN_TOKEN", async () => {
		const https = testApp(testDb.db, {
			env: { PLUMB_PUBLIC_URL: "https://plumb.example.com" },
		});
		const secure = await login(https.app, {
			origin: "https://plumb.example.com",
		});
		const cookie =
			secure.setCookies.find((c) => c.startsWith("__Host-plumb_session=")) ??
			"";
		expect(cookie).toMatch(/; Secure/);
		expect(cookie).toMatch(/Path=\//);
		expect(cookie).not.toMatch(/Domain/);
		expect(
			(
				await https.app.request("/admin", {
					headers: { cookie: secure.cookie },
				})
			).status,
		).toBe(200);

		const { app } = testApp(testDb.db);
		const idle = await login(app);
		await testDb.db.query(
			"update plumb.admin_sessions set last_seen_at = now() - interval '31 minutes'",
		);
		expect(
			(await app.request("/admin", { headers: { cookie: idle.cookie } }))
				.status,
		).toBe(303);
		const old = await login(app);
		await testDb.db.query(
			"update plumb.admin_sessions set expires_at = now() - interval '1 second'",
		);
		expect(
			(await app.request("/admin", { headers: { cookie: old.cookie } })).status,
		).toBe(303);
		const rotated = await login(app);
		const other = testApp(testDb.db, {
			env: { ADMIN_TOKEN: "another-admin-token-0123456789-ab" },
		});
		expect(
			(
				await other.app.request("/admin", {
					headers: { cookie: rotated.cookie },
				})
			).status,
		).toBe(303);
		expect(
			(await app.request("/admin", { headers: { cookie: rotated.cookie } }))
				.status,
		).toBe(200);
	});

	it("never redirects off-site after login, and pauses logins after repeated wrong tokens", async () => {
		const { app } = testApp(testDb.db);
		const page = await app.request("/admin/login?next=//evil.example/x");
		const loginCookie = cookiesOf(page);
		const token =
			/name="login_token" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
		const post = (password: string, next: string) =>
			app.request("/admin/login", {
				method: "POST",
				headers: {
					cookie: loginCookie,
					origin: ORIGIN,
					"content-type": "application/x-www-form-urlencoded",
				},
				body: new URLSearchParams({
					token: password,
					login_token: token,
					next,
				}).toString(),
			});
		for (const next of [
			"//evil.example/x",
			"https://evil.example",
			"/admin/../../x",
			"/admin\\@evil",
		]) {
			const res = await post(TEST_ADMIN_TOKEN, next);
			expect(res.headers.get("location"), next).toBe("/admin");
		}
		for (let n = 0; n < 10; n++)
			expect((await post("wrong", "/admin")).status).toBe(401);
		expect((await post(TEST_ADMIN_TOKEN, "/admin")).status).toBe(429);
	});
});
