/** Small pieces every dashboard page uses: badges, times, pagers, notices and the CSRF field. */
import type { Child, FC } from "hono/jsx";
import { CSRF_FIELD } from "../access.ts";
import { ago, type Tone } from "../describe.ts";

export const Badge: FC<{ tone: Tone; children: Child }> = ({
	tone,
	children,
}) => <span class={`badge ${tone}`}>{children}</span>;

/** "2 min ago", with the exact UTC time as its machine-readable value and tooltip. */
export const When: FC<{ at: Date | null; now: number }> = ({ at, now }) =>
	at === null ? (
		<span class="muted">—</span>
	) : (
		<time datetime={at.toISOString()} title={utc(at)}>
			{ago(at, now)}
		</time>
	);

export function utc(at: Date): string {
	return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export const CsrfField: FC<{ token: string }> = ({ token }) => (
	<input type="hidden" name={CSRF_FIELD} value={token} />
);

const NOT_CARRIED = new Set(["cursor", "notice", "count"]);

/** A link to the next (older) page, keeping the current filters. */
export const Pager: FC<{
	path: string;
	query: Record<string, string | undefined>;
	next: string | null;
}> = ({ path, query, next }) => {
	if (next === null) return null;
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(query))
		if (value !== undefined && value !== "" && !NOT_CARRIED.has(key))
			params.set(key, value);
	params.set("cursor", next);
	return (
		<p class="pager">
			<a href={`${path}?${params}`}>Older →</a>
		</p>
	);
};

export const Notice: FC<{ text: string | undefined; tone?: "bad" }> = ({
	text,
	tone,
}) =>
	text === undefined ? null : (
		<p class={tone ? `notice ${tone}` : "notice"} role="status">
			{text}
		</p>
	);

/** A select for a filter; the empty option means "any". */
export const Choice: FC<{
	name: string;
	label: string;
	options: readonly string[];
	value: string | undefined;
}> = ({ name, label, options, value }) => (
	<label>
		{label}
		<select name={name}>
			<option value="">any</option>
			{options.map((option) => (
				<option value={option} selected={option === value}>
					{option.replaceAll("_", " ")}
				</option>
			))}
		</select>
	</label>
);

/**
 * Replays one delivery. The reason is required: it goes into the audit log (plumb.interventions), and
 * typing it is the confirmation step.
 */
export const ReplayForm: FC<{
	id: string;
	csrf: string;
	returnTo: string;
	label?: string;
}> = ({ id, csrf, returnTo, label }) => (
	<form class="inline" method="post" action={`/admin/deliveries/${id}/replay`}>
		<CsrfField token={csrf} />
		<input type="hidden" name="return_to" value={returnTo} />
		<input
			class="reason"
			name="reason"
			required
			maxlength={500}
			aria-label="Reason for the replay"
			placeholder="Why replay? (e.g. fixed the HubSpot property)"
		/>
		<button type="submit">{label ?? "Replay"}</button>
	</form>
);

/** A list's filter form: a select per filter, an optional search box, and the customer it is scoped to. */
export const Filters: FC<{
	action: string;
	query: Record<string, string | undefined>;
	choices: ReadonlyArray<{ name: string; options: readonly string[] }>;
	/** The search box's placeholder; no search box without it. */
	search?: string;
}> = ({ action, query, choices, search }) => (
	<form class="filters" method="get" action={action}>
		{choices.map((choice) => (
			<Choice
				name={choice.name}
				label={choice.name.replaceAll("_", " ")}
				options={choice.options}
				value={query[choice.name]}
			/>
		))}
		{search !== undefined && (
			<label>
				Search
				<input type="search" name="q" value={query.q} placeholder={search} />
			</label>
		)}
		{query.customer_id && (
			<input type="hidden" name="customer_id" value={query.customer_id} />
		)}
		<button type="submit">
			{search !== undefined && choices.length === 0 ? "Search" : "Filter"}
		</button>
	</form>
);

/** A table of rows, or a sentence when there are none. */
export const ListTable: FC<{
	count: number;
	empty: string;
	headers: readonly string[];
	children: Child;
}> = ({ count, empty, headers, children }) =>
	count === 0 ? (
		<p>{empty}</p>
	) : (
		<table class="list">
			<thead>
				<tr>
					{headers.map((header) => (
						<th>{header}</th>
					))}
				</tr>
			</thead>
			<tbody>{children}</tbody>
		</table>
	);
