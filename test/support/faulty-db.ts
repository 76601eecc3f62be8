/**
 * A test database whose chosen statements fail: how to see what a caller does when a write, the
 * connection or a concurrent transaction goes wrong, without a switch in production code.
 */
import type { Db } from "../../src/store/index.ts";

/** Looks at each statement before it runs: an error to throw instead, or undefined to run it. */
export type Fault = (
	text: string,
	values: readonly unknown[],
) => Error | undefined;

/** `db` (and every transaction opened through it) with `fault` consulted before each query. */
export function faultyDb(db: Db, fault: Fault): Db {
	const wrap = (inner: Db): Db => ({
		kind: inner.kind,
		async query<Row>(text: string, values: readonly unknown[] = []) {
			const error = fault(text, values);
			if (error) throw error;
			return inner.query<Row>(text, values);
		},
		exec: (sql) => inner.exec(sql),
		transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
		close: () => inner.close(),
	});
	return wrap(db);
}

/** An error as pg reports one, with its SQLSTATE (or errno) in `code`. */
export function sqlError(message: string, code: string): Error {
	return Object.assign(new Error(message), { code });
}

/** A fault that fires the first `times` times `matches` holds, then never again. */
export function failTimes(
	times: number,
	matches: (text: string, values: readonly unknown[]) => boolean,
	error: () => Error,
): Fault {
	let left = times;
	return (text, values) => {
		if (left <= 0 || !matches(text, values)) return undefined;
		left -= 1;
		return error();
	};
}
