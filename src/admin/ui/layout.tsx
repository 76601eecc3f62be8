/** The page frame: head (one stylesheet, one nonce'd script), the top bar with navigation and logout. */
import type { Child, FC } from "hono/jsx";
import { ASSETS } from "./assets.ts";
import { CsrfField } from "./parts.tsx";

export type Section =
	| "overview"
	| "money"
	| "customers"
	| "deliveries"
	| "events"
	| "alerts"
	| "none";

const NAV: ReadonlyArray<[Section, string, string]> = [
	["overview", "/admin", "Overview"],
	["money", "/admin/money", "Money"],
	["customers", "/admin/customers", "Customers"],
	["deliveries", "/admin/deliveries", "Deliveries"],
	["events", "/admin/events", "Events"],
	["alerts", "/admin/alerts", "Alerts"],
];

export interface PageFrame {
	title: string;
	nonce: string;
	/** The session's CSRF token; absent on pages shown before login. */
	csrf?: string | undefined;
	section?: Section;
	/** Seconds after which the page reloads itself (work on its way); optional JS. */
	refresh?: number | undefined;
	/** Navigate here at once (a same-origin path; see BouncePage). */
	redirect?: string | undefined;
}

export const Layout: FC<PageFrame & { children: Child }> = (props) => (
	<html lang="en">
		<head>
			<meta charset="utf-8" />
			<meta name="viewport" content="width=device-width, initial-scale=1" />
			<meta name="referrer" content="same-origin" />
			<link rel="icon" href="data:," />
			<meta name="robots" content="noindex, nofollow" />
			{props.redirect !== undefined && (
				<meta http-equiv="refresh" content={`0;url=${props.redirect}`} />
			)}
			<title>{`${props.title} · Plumb`}</title>
			<link rel="stylesheet" href={ASSETS.css.url} />
			<script nonce={props.nonce} src={ASSETS.js.url} defer />
		</head>
		<body>
			<header class="top">
				<a class="brand" href="/admin">
					Plumb
				</a>
				{props.csrf !== undefined && (
					<>
						<nav aria-label="Dashboard">
							{NAV.map(([section, href, label]) => (
								<a
									href={href}
									aria-current={section === props.section ? "page" : undefined}
								>
									{label}
								</a>
							))}
						</nav>
						<form method="post" action="/admin/logout">
							<CsrfField token={props.csrf} />
							<button type="submit">Log out</button>
						</form>
					</>
				)}
			</header>
			<main data-refresh={props.refresh}>{props.children}</main>
		</body>
	</html>
);
