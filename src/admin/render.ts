/** Sending a rendered page: the doctype, then hono/jsx's output (which escapes every value it is given). */
import type { Context } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AdminEnv } from "./deps.ts";
import type { PageFrame } from "./ui/layout.tsx";

export async function render(
	c: Context<AdminEnv>,
	page: HtmlEscapedString | Promise<HtmlEscapedString>,
	status: ContentfulStatusCode = 200,
): Promise<Response> {
	return c.html(`<!doctype html>${await page}`, status);
}

/** The frame of a page for this request: its title, nonce and (with a session) CSRF token. */
export function frameOf(c: Context<AdminEnv>, title: string): PageFrame {
	const access = c.get("access") as AdminEnv["Variables"]["access"] | undefined;
	return {
		title,
		nonce: c.get("nonce"),
		csrf:
			access?.kind === "session" ? access.csrfToken : access ? "" : undefined,
	};
}

/** The frame of a page only a logged-in person sees (it has the CSRF token). */
export function sessionFrame(
	c: Context<AdminEnv>,
	title: string,
): PageFrame & { csrf: string } {
	const frame = frameOf(c, title);
	return { ...frame, csrf: frame.csrf ?? "" };
}
