/** Text for a terminal: ANSI colour when wanted, and lines wrapped or clipped to a width. */

const CODES = {
	bold: [1, 22],
	dim: [2, 22],
	red: [31, 39],
	green: [32, 39],
	yellow: [33, 39],
	cyan: [36, 39],
} as const;

export type Paint = Readonly<
	Record<keyof typeof CODES, (text: string) => string>
>;

/** Colour functions; with `enabled` false each returns its text unchanged. */
export function painter(enabled: boolean): Paint {
	const entries = Object.entries(CODES).map(([name, [on, off]]) => [
		name,
		(text: string) =>
			enabled && text !== "" ? `\u001b[${on}m${text}\u001b[${off}m` : text,
	]);
	return Object.fromEntries(entries) as Paint;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width a line takes on screen: its characters without colour codes. */
export function visibleLength(text: string): number {
	return [...text.replace(ANSI, "")].length;
}

/** Whitespace runs (newlines included) as one space. */
export function oneLine(text: string): string {
	return text.replace(/\s+/g, " ").trim();
}

/** `text` cut to `max` characters, ending in … when cut. */
export function clip(text: string, max: number): string {
	const chars = [...text];
	return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

/**
 * `text` in lines of at most `width` characters, broken at spaces (a word longer than a line is cut
 * across lines); at most `maxLines`, the last ending in … when text was left out.
 */
export function wrap(text: string, width: number, maxLines: number): string[] {
	const lines: string[] = [];
	let line = "";
	for (const word of oneLine(text).split(" ")) {
		let rest = word;
		while ([...rest].length > width) {
			const room = line === "" ? width : 0;
			if (room === 0) {
				lines.push(line);
				line = "";
				continue;
			}
			lines.push([...rest].slice(0, room).join(""));
			rest = [...rest].slice(room).join("");
		}
		const joined = line === "" ? rest : `${line} ${rest}`;
		if ([...joined].length <= width) line = joined;
		else {
			lines.push(line);
			line = rest;
		}
	}
	if (line !== "") lines.push(line);
	if (lines.length <= maxLines) return lines;
	const kept = lines.slice(0, maxLines);
	kept[maxLines - 1] = clip(`${kept[maxLines - 1]} …`, width);
	return kept;
}
