/** Pages shown before login: the login form, the "admin is closed" page, and errors. */
import type { FC } from "hono/jsx";
import { Layout, type PageFrame } from "./layout.tsx";
import { Notice } from "./parts.tsx";

export const LoginPage: FC<{
	frame: PageFrame;
	loginToken: string;
	next: string;
	error?: string | undefined;
	notice?: string | undefined;
}> = ({ frame, loginToken, next, error, notice }) => (
	<Layout {...frame}>
		<div class="login">
			<h1>Log in to Plumb</h1>
			<Notice text={notice} />
			<Notice text={error} tone="bad" />
			<form method="post" action="/admin/login" class="panel">
				<input type="hidden" name="login_token" value={loginToken} />
				<input type="hidden" name="next" value={next} />
				<label for="token">Admin token (ADMIN_TOKEN)</label>
				<input
					id="token"
					name="token"
					type="password"
					autocomplete="current-password"
					required
					autofocus
				/>
				<button type="submit">Log in</button>
			</form>
			<p class="sub">
				The token is the ADMIN_TOKEN Plumb was started with. It is sent once;
				the session cookie is HttpOnly.
			</p>
		</div>
	</Layout>
);

export const ClosedPage: FC<{ frame: PageFrame }> = ({ frame }) => (
	<Layout {...frame}>
		<div class="login">
			<h1>The dashboard is closed</h1>
			<p>
				ADMIN_TOKEN is not set, so the dashboard and the admin API refuse
				everyone (they are never open). Set a long random token and restart
				Plumb:
			</p>
			<pre class="payload">ADMIN_TOKEN=$(openssl rand -hex 24) npm start</pre>
			<p>Then open /admin/login and paste the token.</p>
		</div>
	</Layout>
);

export const ErrorPage: FC<{
	frame: PageFrame;
	status: number;
	message: string;
}> = ({ frame, status, message }) => (
	<Layout {...frame}>
		<h1>
			{status === 404
				? "Not found"
				: status === 403
					? "Refused"
					: "Something went wrong"}
		</h1>
		<p>{message}</p>
		<p>
			<a href="/admin">Back to the overview</a>
		</p>
	</Layout>
);

/**
 * A SameSite=Strict cookie is not sent when a link in another site (HubSpot, Slack, Zendesk) opens a
 * page. Reloading from our own page sends it, so such a visit is bounced once before asking to log in.
 */
export const BouncePage: FC<{ frame: PageFrame; target: string }> = ({
	frame,
	target,
}) => (
	<Layout {...frame}>
		<p>
			<a href={target}>Continue to the dashboard</a>
		</p>
	</Layout>
);
