/**
 * Real TLS on loopback for tests: a throwaway certificate authority and the server certificates it
 * signs, made with the `openssl` command (node:crypto cannot write X.509 certificates), and an HTTPS
 * reverse proxy that plays the CDN in front of a Plumb: its own certificate, and optionally headers
 * it adds to every answer (Age, CF-Cache-Status) or takes away.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ServerCertificate {
	key: string;
	cert: string;
}

export interface TestCa {
	/** The authority's certificate file: give it to a child as NODE_EXTRA_CA_CERTS. */
	caFile: string;
	/**
	 * A server certificate for `names` (DNS names or IP addresses), valid `days` from now, or between
	 * two dates (`YYYYMMDDHHMMSSZ`) to make one already expired.
	 */
	issue(
		names: readonly string[],
		validity: { days: number } | { start: string; end: string },
	): ServerCertificate;
	dispose(): void;
}

// `openssl ca` is the one subcommand of OpenSSL 3.0 that sets both dates of a certificate.
const CA_CONFIG = `[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any_name
copy_extensions = copy
unique_subject = no
[any_name]
commonName = supplied
`;

export function createTestCa(): TestCa {
	const dir = mkdtempSync(join(tmpdir(), "plumb-test-ca-"));
	const openssl = (args: string[]) =>
		execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
	writeFileSync(join(dir, "ca.cnf"), CA_CONFIG);
	writeFileSync(join(dir, "index.txt"), "");
	writeFileSync(join(dir, "serial"), "01\n");
	openssl([
		...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
		...["-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
		...["-subj", "/CN=Plumb test CA"],
	]);
	let count = 0;
	return {
		caFile: join(dir, "ca.pem"),
		issue(names, validity) {
			const name = `server-${++count}`;
			const san = names
				.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`))
				.join(",");
			openssl([
				...[
					"req",
					"-new",
					"-newkey",
					"ec",
					"-pkeyopt",
					"ec_paramgen_curve:P-256",
				],
				...["-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`],
				...["-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${san}`],
			]);
			openssl([
				...["ca", "-batch", "-notext", "-config", "ca.cnf"],
				...["-cert", "ca.pem", "-keyfile", "ca.key"],
				...["-in", `${name}.csr`, "-out", `${name}.pem`],
				...("days" in validity
					? ["-days", String(validity.days)]
					: ["-startdate", validity.start, "-enddate", validity.end]),
			]);
			return {
				key: readFileSync(join(dir, `${name}.key`), "utf8"),
				cert: readFileSync(join(dir, `${name}.pem`), "utf8"),
			};
		},
		dispose: () => rmSync(dir, { recursive: true, force: true }),
	};
}

export interface HttpsProxy {
	/** https://127.0.0.1:<port> (an IP: no name lookup that could pick ::1) */
	url: string;
	port: number;
	/** Where requests go from now on (an http:// Plumb). */
	forwardTo(target: string): void;
	close(): Promise<void>;
}

/** How the front behaves, beyond passing requests on. */
export interface ProxyBehaviour {
	/** Rewrites the headers of every answer (a cache in front adds Age and CF-Cache-Status). */
	answerHeaders?: (
		headers: Record<string, string | string[] | undefined>,
	) => Record<string, string | string[] | undefined>;
	/** Paths the front refuses 401 itself, never reaching Plumb (an access rule at the CDN). */
	refuses?: (path: string) => boolean;
}

/**
 * An HTTPS front for an http server on loopback, as a CDN is: terminates TLS with `certificate` and
 * passes each request on, behaving as `behaviour` says.
 */
export async function startHttpsProxy(
	certificate: ServerCertificate,
	behaviour: ProxyBehaviour = {},
): Promise<HttpsProxy> {
	const answerHeaders = behaviour.answerHeaders ?? ((headers) => headers);
	let target: URL | undefined;
	const server = createServer(certificate, (req, res) => {
		if (behaviour.refuses?.(req.url ?? "/")) {
			req.resume();
			res.writeHead(401, { "content-type": "text/plain" }).end("Unauthorized");
			return;
		}
		if (target === undefined) {
			res.writeHead(502).end();
			return;
		}
		const upstream = request(
			{
				host: target.hostname,
				port: target.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: target.host },
			},
			(answer) => {
				res.writeHead(
					answer.statusCode ?? 502,
					answerHeaders({ ...answer.headers }),
				);
				answer.pipe(res);
			},
		);
		upstream.on("error", () => res.writeHead(502).end());
		req.pipe(upstream);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `https://127.0.0.1:${port}`,
		port,
		forwardTo: (to) => {
			target = new URL(to);
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
