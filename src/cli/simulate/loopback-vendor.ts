/**
 * A faultable HTTP server on loopback, the base of the vendor stand-ins (used by `plumb simulate
 * --stand-ins` and by the tests): a caller injects a status, a hang, a reset, or "apply, then hang"
 * (the vendor did the work but the answer never came).
 */
import http from "node:http";
import type net from "node:net";

export interface StandInRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: http.IncomingHttpHeaders;
	body: unknown;
	/** When it arrived (epoch ms). */
	at: number;
}
export interface StandInReply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}
export type Fault =
	| {
			kind: "status";
			status: number;
			body?: unknown;
			headers?: Record<string, string>;
	  }
	| { kind: "hang" }
	| { kind: "reset" }
	| { kind: "apply_then_hang" };

export interface StandIn {
	url: string;
	requests: StandInRequest[];
	/** The next `times` matching requests (default: every one) meet this fault. */
	fail(
		fault: Fault,
		options?: { times?: number; when?: (req: StandInRequest) => boolean },
	): void;
	heal(): void;
	close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (default: any free port). */
export async function startStandIn(
	handler: (req: StandInRequest) => StandInReply,
	port = 0,
): Promise<StandIn> {
	const requests: StandInRequest[] = [];
	let faults: Array<{
		fault: Fault;
		left: number;
		when: (req: StandInRequest) => boolean;
	}> = [];
	const sockets = new Set<net.Socket>();
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			const text = Buffer.concat(chunks).toString("utf8");
			const url = new URL(req.url ?? "/", "http://stand-in");
			const request: StandInRequest = {
				method: req.method ?? "GET",
				path: decodeURIComponent(url.pathname),
				query: url.searchParams,
				headers: req.headers,
				body: parse(text),
				at: Date.now(),
			};
			requests.push(request);
			const active = faults.find((f) => f.left > 0 && f.when(request));
			if (active) active.left -= 1;
			const fault = active?.fault;
			if (fault?.kind === "reset") {
				req.socket.destroy();
				return;
			}
			if (fault?.kind === "hang") return;
			if (fault?.kind === "apply_then_hang") {
				handler(request);
				return;
			}
			const reply = fault?.kind === "status" ? fault : handler(request);
			const isText = typeof reply.body === "string";
			res.writeHead(reply.status, {
				"content-type": isText ? "text/plain" : "application/json",
				...reply.headers,
			});
			res.end(
				reply.body === undefined
					? ""
					: isText
						? String(reply.body)
						: JSON.stringify(reply.body),
			);
		});
	});
	server.on("connection", (socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", resolve);
	});
	const bound = (server.address() as net.AddressInfo).port;
	return {
		url: `http://127.0.0.1:${bound}`,
		requests,
		fail(fault, options = {}) {
			faults.push({
				fault,
				left: options.times ?? Number.POSITIVE_INFINITY,
				when: options.when ?? (() => true),
			});
		},
		heal() {
			faults = [];
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

function parse(text: string): unknown {
	if (text === "") return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

/** A loopback port nobody listens on (bound, then released), for "connection refused". */
export async function closedPort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
