/** Customer text (names, support messages, event payloads) renders as inert text on every dashboard page. */
import { describe, expect, it } from "vitest";
import { type Backend, backends } from "../support/db.ts";
import { appEvent } from "../support/state.ts";
import { drainEvents } from "../support/worker.ts";
import { paidCustomer, useDashboard } from "./admin-fixtures.ts";

const XSS = {
	name: `<img src=x onerror="alert('name')">`,
	message: `<script>alert('support')</script> charged twice </pre><svg onload=alert(1)>`,
	payload: `"><script>alert('payload')</script>`,
};

describe.each(backends)("dashboard escaping on %s", (backend: Backend) => {
	const d = useDashboard(backend);
	const page = (path: string) => d.page(path);

	it("renders customer names, support messages and event payloads as inert text", async () => {
		const ada = await paidCustomer(d.testDb, { name: XSS.name });
		await appEvent(
			d.testDb.db,
			"support_requested",
			{ customer: { email: ada.email }, support: { message: XSS.message } },
			50,
		);
		await drainEvents(d.testDb.db);
		const { id } = await appEvent(
			d.testDb.db,
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
