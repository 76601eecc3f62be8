/** The ingest baseline: bare node:http + HMAC-SHA256 check + one INSERT … ON CONFLICT DO NOTHING, for bench/ingest.ts. */
import { createHmac, timingSafeEqual } from "node:crypto";
import {
	createServer,
	type IncomingMessage,
	type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";

// The same limits as Plumb's route, so neither side does less work by skipping a check.
const MAX_BODY_BYTES = 512 * 1024;
const TOLERANCE_SECONDS = 300;
const POOL_SIZE = 10;

const databaseUrl = process.env.DATABASE_URL;
const secret = process.env.STRIPE_WEBHOOK_SECRET;
if (!databaseUrl || !secret) {
	process.stderr.write(
		"baseline-ingest: DATABASE_URL and STRIPE_WEBHOOK_SECRET are required\n",
	);
	process.exit(2);
}
const port = Number(process.env.PORT ?? "0");
const host = process.env.HOST ?? "127.0.0.1";

const pool = new pg.Pool({
	connectionString: databaseUrl,
	max: POOL_SIZE,
	application_name: "plumb-bench-baseline",
});
pool.on("error", (error) => {
	process.stderr.write(
		`baseline-ingest: idle client error: ${error.message}\n`,
	);
});

await pool.query(`
	create schema if not exists bench_baseline;
	create table if not exists bench_baseline.events (
		external_id text primary key,
		payload jsonb not null,
		received_at timestamptz not null default now()
	);`);

/** Stripe's scheme: `t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 of `${t}.${body}` keyed by the whole secret. */
function verify(raw: Buffer, header: string | undefined, key: string): boolean {
	if (!header) return false;
	let timestamp = Number.NaN;
	const signatures: string[] = [];
	for (const part of header.split(",")) {
		const eq = part.indexOf("=");
		const name = part.slice(0, eq).trim();
		const value = part.slice(eq + 1).trim();
		if (name === "t") timestamp = Number(value);
		else if (name === "v1") signatures.push(value);
	}
	if (!Number.isInteger(timestamp) || signatures.length === 0) return false;
	if (Math.abs(Date.now() / 1000 - timestamp) > TOLERANCE_SECONDS) return false;
	const expected = createHmac("sha256", key)
		.update(`${timestamp}.`)
		.update(raw)
		.digest();
	return signatures.some((hex) => {
		const given = Buffer.from(hex, "hex");
		return given.length === expected.length && timingSafeEqual(given, expected);
	});
}

function reply(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		"content-type": "application/json",
		"content-length": Buffer.byteLength(text),
	});
	res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on("data", (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		req.on("end", () =>
			resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)),
		);
		req.on("error", reject);
	});
}

async function ingest(
	req: IncomingMessage,
	res: ServerResponse,
): Promise<void> {
	const raw = await readBody(req);
	if (raw === undefined) return reply(res, 413, { error: "payload_too_large" });
	const signature = req.headers["stripe-signature"];
	if (
		!verify(
			raw,
			typeof signature === "string" ? signature : undefined,
			secret as string,
		)
	)
		return reply(res, 400, { error: "invalid_signature" });
	let event: { id?: unknown };
	try {
		event = JSON.parse(raw.toString("utf8")) as { id?: unknown };
	} catch {
		return reply(res, 400, { error: "invalid_json" });
	}
	if (
		typeof event !== "object" ||
		event === null ||
		typeof event.id !== "string"
	)
		return reply(res, 422, { error: "validation_failed" });
	// The raw text goes in as jsonb, as a minimal service would store it.
	const result = await pool.query(
		"insert into bench_baseline.events (external_id, payload) values ($1, $2::jsonb) on conflict (external_id) do nothing",
		[event.id, raw.toString("utf8")],
	);
	reply(res, 200, { received: true, duplicate: result.rowCount === 0 });
}

const server = createServer((req, res) => {
	if (req.method === "GET" && req.url === "/healthz")
		return reply(res, 200, { status: "ok" });
	if (req.method === "POST" && req.url === "/webhooks/stripe") {
		ingest(req, res).catch((error: unknown) => {
			process.stderr.write(
				`baseline-ingest: ${error instanceof Error ? error.message : String(error)}\n`,
			);
			if (!res.headersSent) reply(res, 500, { error: "internal" });
		});
		return;
	}
	reply(res, 404, { error: "not_found" });
});

await new Promise<void>((resolve) => server.listen(port, host, resolve));
const address = server.address() as AddressInfo;
process.stdout.write(
	`baseline-ingest listening on http://${host}:${address.port}\n`,
);

// Drain on SIGTERM so the runner's clean-up (and --cpu-prof) see a normal exit.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
	process.once(signal, () => {
		server.close(() => {
			pool.end().then(
				() => process.exit(0),
				() => process.exit(1),
			);
		});
		server.closeIdleConnections();
		setTimeout(() => server.closeAllConnections(), 2_000).unref();
	});
}
