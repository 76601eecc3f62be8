/** Customer search: by e-mail, name, app user id, Stripe id or Plumb id. */
import type { FC } from "hono/jsx";
import type { CustomerListItem } from "../view-types.ts";
import { Layout, type PageFrame } from "./layout.tsx";
import { Badge, Filters, ListTable, Pager, When } from "./parts.tsx";

export const CustomersPage: FC<{
	frame: PageFrame;
	items: CustomerListItem[];
	next: string | null;
	query: Record<string, string | undefined>;
	planStatuses: readonly string[];
	now: number;
}> = ({ frame, items, next, query, planStatuses, now }) => (
	<Layout {...frame} section="customers">
		<h1>Customers</h1>
		<search>
			<Filters
				action="/admin/customers"
				query={query}
				choices={[
					{ name: "plan_status", options: planStatuses },
					{ name: "tier", options: ["free", "standard", "pro"] },
				]}
				search="e-mail, name, app user id, cus_…, pi_…, evt_…"
			/>
		</search>
		<ListTable
			count={items.length}
			empty={query.q ? "No customer matches that search." : "No customers yet."}
			headers={["customer", "plan", "last payment", "app user id", "since"]}
		>
			{items.map((c) => (
				<tr>
					<td data-label="customer">
						<a href={`/admin/customers/${c.id}`}>{c.name ?? c.email ?? c.id}</a>
						{c.name && c.email && <div class="muted">{c.email}</div>}
					</td>
					<td data-label="plan">
						{`${c.plan ?? "—"} · ${c.plan_status ?? "—"} · ${c.tier}`}
					</td>
					<td data-label="last payment">
						{c.last_payment_status ? (
							<Badge tone={c.last_payment_status === "paid" ? "ok" : "bad"}>
								{c.last_payment_status}
							</Badge>
						) : (
							"—"
						)}{" "}
						<When at={c.last_payment_at} now={now} />
					</td>
					<td data-label="app user id">{c.app_user_id ?? "—"}</td>
					<td data-label="since">
						<When at={c.created_at} now={now} />
					</td>
				</tr>
			))}
		</ListTable>
		<Pager path="/admin/customers" query={query} next={next} />
	</Layout>
);
