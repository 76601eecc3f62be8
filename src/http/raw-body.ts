/**
 * Reading a request body as bytes, refused with 413 past a limit before it is read whole. On Node it
 * reads the underlying IncomingMessage directly (the web Request and its streams are never built,
 * which is most of @hono/node-server's per-request cost); elsewhere (Deno, Edge, app.request in tests)
 * it reads the standard Request body stream. Either way the count, not Content-Length, is enforced.
 */
import { Readable } from "node:stream";
import type { Context } from "hono";
import { AppError } from "../core/index.ts";

export async function readBody(
	c: Context,
	maxBytes: number,
	tooLarge: string,
): Promise<Buffer> {
	const declared = Number(c.req.header("content-length"));
	if (Number.isFinite(declared) && declared > maxBytes)
		throw new AppError("payload_too_large", tooLarge);
	const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
	if (incoming instanceof Readable)
		return readNode(incoming, maxBytes, tooLarge);
	return readWeb(c.req.raw.body, maxBytes, tooLarge);
}

function readNode(
	incoming: Readable,
	maxBytes: number,
	tooLarge: string,
): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const cleanup = () => {
			incoming.off("data", onData);
			incoming.off("end", onEnd);
			incoming.off("error", onError);
		};
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size > maxBytes) {
				cleanup();
				// Let the rest drain unread, so the 413 still reaches a client that is mid-upload.
				incoming.resume();
				reject(new AppError("payload_too_large", tooLarge));
				return;
			}
			chunks.push(chunk);
		};
		const onEnd = () => {
			cleanup();
			resolve(Buffer.concat(chunks, size));
		};
		const onError = (error: Error) => {
			cleanup();
			reject(error);
		};
		incoming.on("data", onData);
		incoming.on("end", onEnd);
		incoming.on("error", onError);
	});
}

async function readWeb(
	body: ReadableStream<Uint8Array> | null,
	maxBytes: number,
	tooLarge: string,
): Promise<Buffer> {
	if (body === null) return Buffer.alloc(0);
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return Buffer.concat(chunks, size);
		size += value.length;
		if (size > maxBytes) {
			await reader.cancel();
			throw new AppError("payload_too_large", tooLarge);
		}
		chunks.push(value);
	}
}
