import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./db.ts";

const withCode = (code: string, message = "x") =>
	Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
	it.each([
		["a refused connection", withCode("ECONNREFUSED")],
		["a reset connection", withCode("ECONNRESET")],
		["an unresolvable host", withCode("ENOTFOUND")],
		["admin_shutdown (pg_terminate_backend)", withCode("57P01")],
		["crash_shutdown", withCode("57P02")],
		["cannot_connect_now (starting up)", withCode("57P03")],
		["connection_failure", withCode("08006")],
		["any connection exception", withCode("08P01")],
		["too_many_connections", withCode("53300")],
		["a read-only standby refusing a write", withCode("25006")],
		["a dropped socket", new Error("Connection terminated unexpectedly")],
		[
			"a pool checkout timeout",
			new Error("timeout exceeded when trying to connect"),
		],
		[
			"a client whose connection died",
			new Error(
				"Client has encountered a connection error and is not queryable",
			),
		],
		["a closed PGlite", new Error("PGlite is closed")],
		[
			"an AggregateError of refusals (IPv6 then IPv4)",
			new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")]),
		],
		[
			"a wrapped cause",
			new Error("insert failed", { cause: withCode("57P01") }),
		],
	])("%s: yes", (_name, error) => {
		expect(isDatabaseUnavailable(error)).toBe(true);
	});

	it.each([
		["a unique violation", withCode("23505")],
		["a serialization failure (retried, not waited for)", withCode("40001")],
		["a missing table", withCode("42P01")],
		["a missing privilege (a configuration error: 500)", withCode("42501")],
		["a NUL in text", withCode("22021")],
		["a plain bug", new TypeError("x is undefined")],
		["a string", "ECONNREFUSED"],
		["undefined", undefined],
	])("%s: no", (_name, error) => {
		expect(isDatabaseUnavailable(error)).toBe(false);
	});
});
