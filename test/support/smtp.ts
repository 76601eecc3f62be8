/** A real SMTP server (the `smtp-server` package) on loopback that captures messages, with faults a test can set. */
import type net from "node:net";
import { SMTPServer, type SMTPServerError } from "smtp-server";

export interface CapturedMail {
	from: string;
	to: string[];
	raw: string;
	/** Top-level headers, lower-cased names, folded lines joined. */
	headers: Record<string, string>;
	/** Decoded bodies of the multipart/alternative parts, by content type. */
	parts: Record<string, string>;
}

export type SmtpMode =
	| "accept"
	/** RCPT TO answered with this reply code (e.g. 451 transient, 550 permanent, 421 busy). */
	| { rcptCode: number; message: string }
	/** The DATA phase never completes. */
	| "hang"
	/** The connection is dropped as soon as it opens. */
	| "reset";

export interface SmtpStandIn {
	port: number;
	/** smtp://user:pass@127.0.0.1:port */
	url(credentials?: { user: string; pass: string }): string;
	messages: CapturedMail[];
	mode: SmtpMode;
	close(): Promise<void>;
}

function headersOf(raw: string): Record<string, string> {
	const head = raw.split(/\r?\n\r?\n/)[0] ?? "";
	const headers: Record<string, string> = {};
	for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
		const colon = line.indexOf(":");
		if (colon > 0)
			headers[line.slice(0, colon).trim().toLowerCase()] = line
				.slice(colon + 1)
				.trim();
	}
	return headers;
}

function decode(body: string, encoding: string | undefined): string {
	if (encoding === "base64")
		return Buffer.from(body, "base64").toString("utf8");
	if (encoding !== "quoted-printable") return body;
	const bytes = body
		.replace(/=\r?\n/g, "")
		.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
	return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25"));
}

/** The parts of a multipart message (one level deep is all alert e-mails have). */
function partsOf(
	raw: string,
	contentType: string | undefined,
): Record<string, string> {
	const boundary = /boundary="?([^";]+)"?/.exec(contentType ?? "")?.[1];
	if (boundary === undefined) return {};
	const parts: Record<string, string> = {};
	for (const chunk of raw.split(`--${boundary}`).slice(1, -1)) {
		const [head = "", ...rest] = chunk
			.replace(/^\r?\n/, "")
			.split(/\r?\n\r?\n/);
		const headers = headersOf(`${head}\r\n\r\n`);
		const type = (headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
		parts[type] = decode(
			rest.join("\r\n\r\n"),
			headers["content-transfer-encoding"],
		);
	}
	return parts;
}

function smtpError(code: number, message: string): SMTPServerError {
	const error: SMTPServerError = new Error(message);
	error.responseCode = code;
	return error;
}

export async function startSmtpServer(auth: {
	user: string;
	pass: string;
}): Promise<SmtpStandIn> {
	const messages: CapturedMail[] = [];
	const sockets = new Set<net.Socket>();
	const stand: { mode: SmtpMode } = { mode: "accept" };
	const server = new SMTPServer({
		// Plain loopback: no STARTTLS (no certificate to trust), so AUTH has to be allowed in clear.
		disabledCommands: ["STARTTLS"],
		allowInsecureAuth: true,
		authMethods: ["PLAIN", "LOGIN"],
		logger: false,
		onAuth(login, _session, callback) {
			if (login.username === auth.user && login.password === auth.pass)
				return callback(null, { user: login.username });
			callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
		},
		onRcptTo(_address, _session, callback) {
			const mode = stand.mode;
			if (typeof mode === "object")
				return callback(smtpError(mode.rcptCode, mode.message));
			callback();
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on("data", (chunk: Buffer) => chunks.push(chunk));
			stream.on("end", () => {
				if (stand.mode === "hang") return;
				const raw = Buffer.concat(chunks).toString("utf8");
				const headers = headersOf(raw);
				messages.push({
					from: session.envelope.mailFrom
						? session.envelope.mailFrom.address
						: "",
					to: session.envelope.rcptTo.map((r) => r.address),
					raw,
					headers,
					parts: partsOf(raw, headers["content-type"]),
				});
				callback();
			});
		},
	});
	server.server.on("connection", (socket: net.Socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
		if (stand.mode === "reset") socket.destroy();
	});
	await new Promise<void>((resolve) =>
		server.listen(0, "127.0.0.1", () => resolve()),
	);
	const { port } = server.server.address() as net.AddressInfo;
	return {
		port,
		url: (credentials = auth) =>
			`smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
		messages,
		get mode() {
			return stand.mode;
		},
		set mode(mode: SmtpMode) {
			stand.mode = mode;
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
