import { describe, expect, it } from "vitest";
import { createRedactor, REDACTED } from "./redact.ts";

describe("createRedactor().value", () => {
	const redactor = createRedactor(["s3cret-value-from-config"]);

	it("keeps __proto__ and constructor keys as data, and redacts inside them", () => {
		// JSON.parse makes "__proto__" an own key, as the database driver does for jsonb.
		const payload = JSON.parse(
			'{"metadata":{"__proto__":{"x":1,"client_secret":"pi_1_secret_2"},"constructor":"y","prototype":[{"token":"t"}],"note":"s3cret-value-from-config"}}',
		) as { metadata: object };
		const shown = redactor.value(payload);
		expect(JSON.stringify(shown)).toBe(
			`{"metadata":{"__proto__":{"x":1,"client_secret":"${REDACTED}"},"constructor":"y","prototype":[{"token":"${REDACTED}"}],"note":"${REDACTED}"}}`,
		);
		// Shown as data: the copy's prototype is untouched, and so is everyone else's.
		expect(Object.getPrototypeOf(shown.metadata)).toBe(Object.prototype);
		expect(({} as Record<string, unknown>).x).toBeUndefined();
	});

	it("keeps a non-object __proto__ value", () => {
		const shown = redactor.value(JSON.parse('{"__proto__":"text","n":[1]}'));
		expect(JSON.stringify(shown)).toBe('{"__proto__":"text","n":[1]}');
	});
});
