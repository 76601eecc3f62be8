/**
 * The README and docs/ are read on GitHub and in editors: every relative link must reach a file of
 * the checkout, and every #anchor a heading of the file it names (GitHub's heading ids), so a moved
 * or renamed section turns the build red instead of leaving a dead link.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DOCS = join(ROOT, "docs");
/** The founder's first screens (issue 16): the README stays short; the detail lives in docs/. */
const README_MAX_LINES = 250;

const markdownFiles = [
	join(ROOT, "README.md"),
	...readdirSync(DOCS)
		.filter((name) => name.endsWith(".md"))
		.map((name) => join(DOCS, name)),
];

/** The lines of a Markdown file outside fenced code blocks (links and headings there are text). */
function proseLines(text: string): string[] {
	let fenced = false;
	return text.split("\n").filter((line) => {
		if (/^\s*(```|~~~)/.test(line)) {
			fenced = !fenced;
			return false;
		}
		return !fenced;
	});
}

/** A line without its inline code spans, whose brackets are not links. */
function withoutCode(line: string): string {
	return line.replace(/(`+)[^`]*?\1/g, "");
}

/**
 * The ids GitHub gives a file's headings (github-slugger): the text as rendered, lower-cased,
 * without punctuation but hyphens and underscores, spaces as hyphens; a repeat gets -1, -2 ….
 */
function headingIds(text: string): Set<string> {
	const ids = new Set<string>();
	const seen = new Map<string, number>();
	for (const line of proseLines(text)) {
		const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
		if (!heading?.[1]) continue;
		const rendered = heading[1]
			.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
			.replace(/`/g, "");
		const base = rendered
			.toLowerCase()
			.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
			.replace(/ /g, "-");
		const count = seen.get(base) ?? 0;
		seen.set(base, count + 1);
		ids.add(count === 0 ? base : `${base}-${count}`);
	}
	return ids;
}

/** Every inline link target of a file's prose: `[text](target)`, without a title. */
function linkTargets(text: string): string[] {
	const targets: string[] = [];
	for (const line of proseLines(text)) {
		for (const match of withoutCode(line).matchAll(
			/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
		)) {
			if (match[1]) targets.push(match[1]);
		}
	}
	return targets;
}

/** Why a link from `file` does not resolve, or null when it does (external links are not fetched). */
function brokenLink(file: string, target: string): string | null {
	if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null;
	const [path = "", anchor] = target.split("#", 2);
	const linked = path === "" ? file : resolve(dirname(file), decodeURI(path));
	if (relative(ROOT, linked).startsWith("..")) {
		return "points outside the checkout";
	}
	if (!existsSync(linked)) return "no such file";
	if (anchor === undefined || anchor === "") return null;
	if (!linked.endsWith(".md"))
		return "an anchor into a file that is not Markdown";
	const ids = headingIds(readFileSync(linked, "utf8"));
	return ids.has(decodeURIComponent(anchor))
		? null
		: `no heading with id #${anchor}`;
}

describe("documentation links", () => {
	it("finds the README and the docs index", () => {
		expect(markdownFiles.map((file) => relative(ROOT, file))).toEqual(
			expect.arrayContaining(["README.md", join("docs", "README.md")]),
		);
	});

	it.each(markdownFiles.map((file) => [relative(ROOT, file), file] as const))(
		"every relative link and anchor in %s resolves",
		(_name, file) => {
			const broken = linkTargets(readFileSync(file, "utf8"))
				.map((target) => ({ target, why: brokenLink(file, target) }))
				.filter((link) => link.why !== null);
			expect(broken).toEqual([]);
		},
	);

	it(`keeps the README at most ${README_MAX_LINES} lines`, () => {
		const lines = readFileSync(join(ROOT, "README.md"), "utf8")
			.replace(/\n$/, "")
			.split("\n").length;
		expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
	});

	it("reads headings and links as GitHub does", () => {
		const ids = headingIds(
			"# Stripe's API: setup and reconcile\n```\n# not a heading\n```\n## What `POST /webhooks/stripe` does\n## Metrics\n### Metrics\n## plumb_events_total",
		);
		expect([...ids]).toEqual([
			"stripes-api-setup-and-reconcile",
			"what-post-webhooksstripe-does",
			"metrics",
			"metrics-1",
			"plumb_events_total",
		]);
		expect(
			linkTargets(
				"See [a](docs/a.md#b) and `[c](d.md)`, <https://x.test>, [e](https://e.test).\n```\n[f](g.md)\n```",
			),
		).toEqual(["docs/a.md#b", "https://e.test"]);
	});

	it("reports a missing file, a missing anchor and a link out of the checkout", () => {
		const readme = join(ROOT, "README.md");
		expect(brokenLink(readme, "docs/no-such-page.md")).toBe("no such file");
		expect(brokenLink(readme, "#no-such-heading")).toBe(
			"no heading with id #no-such-heading",
		);
		expect(brokenLink(readme, "../outside.md")).toBe(
			"points outside the checkout",
		);
		expect(brokenLink(readme, "docs/README.md")).toBeNull();
	});
});
