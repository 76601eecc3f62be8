/** Customer text (names, support messages, event payloads) renders as inert text on every dashboard page. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../support/app.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { appEvent } from "../support/state.ts";
import { drainEvents } from "../support/worker.ts";
import { login, paidCustomer, type Session } from "./admin-fixtures.ts";

const XSS = {
	name: `<img src=x onerror="alert('name')">`,
	message: `<script>alert('support')</script> charged twice </pre><svg onload=alert(1)>`,
	payload: `"><script>alert('payload')</script>`,
};

describe.each(backends)("dashboard escaping on %s", (backend: Backend) => {
	let testDb: TestDb;
	let app: ReturnType<typeof testApp>["app"];
	let session: Session;
	beforeEach(async () => {
		testDb = await freshDb(backend);
		app = testApp(testDb.db).app;
		session = await login(app);
	});
	afterEach(async () => {
		await testDb.dispose();
	});
	const page = async (path: string) => {
		const res = await app.request(path, {
			headers: { cookie: session.cookie },
		});
		return { status: res.status, html: await res.text() };
	};

	it("renders customer names, support messages and event payloads as inert text", async () => {
		const ada = await paidCustomer(testDb, { name: XSS.name });
		await appEvent(
			testDb.db,
			"support_requested",
			{ customer: { email: ada.email }, support: { message: XSS.message } },
			50,
		);
		await drainEvents(testDb.db);
		const { id } = await appEvent(
			testDb.db,
			"ignored",
			{ customer: { name: XSS.payload } },
			60,
		);
		const pages = [
			await page(`/admin/customers/${ada.id}`),
			await page("/admin/customers"),
			await page("/admin/events"),
			await page(`/admin/events/${id}`),
			await page(`/admin/customers?q=${encodeURIComponent(XSS.payload)}`),
		];
		for (const { html, status } of pages) {
			expect(status).toBe(200);
			expect(html).not.toMatch(
				/<img src=x|<script>alert|<svg onload|onerror="/,
			);
		}
		const [customerPage, customers, , eventPage, search] = pages;
		expect(customerPage?.html).toContain(
			"&lt;img src=x onerror=&quot;alert(&#39;name&#39;)&quot;&gt;",
		);
		expect(customerPage?.html).toContain(
			"&lt;script&gt;alert(&#39;support&#39;)&lt;/script&gt;",
		);
		expect(customers?.html).toContain("&lt;img src=x");
		expect(eventPage?.html).toContain(
			"&quot;&gt;&lt;script&gt;alert(&#39;payload&#39;)&lt;/script&gt;",
		);
		expect(search?.html).toContain('value="&quot;&gt;&lt;script&gt;');
	});
});
