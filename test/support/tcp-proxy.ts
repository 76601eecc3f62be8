/** A loopback TCP proxy we can cut and restore, to play "the database went away" without touching the server. */
import net from "node:net";

export interface TcpProxy {
	port: number;
	/** Stops listening and resets every open connection. */
	cut(): Promise<void>;
	/** Listens again on the same port. */
	restore(): Promise<void>;
	close(): Promise<void>;
}

export async function startTcpProxy(target: {
	host: string;
	port: number;
}): Promise<TcpProxy> {
	const sockets = new Set<net.Socket>();
	let server: net.Server | undefined;
	const listen = (port: number) =>
		new Promise<number>((resolve, reject) => {
			const s = net.createServer((client) => {
				const upstream = net.connect(target.port, target.host);
				for (const socket of [client, upstream]) {
					sockets.add(socket);
					socket.on("close", () => sockets.delete(socket));
					socket.on("error", () => {});
				}
				client.pipe(upstream).pipe(client);
				client.on("close", () => upstream.destroy());
				upstream.on("close", () => client.destroy());
			});
			s.once("error", reject);
			s.listen(port, "127.0.0.1", () => {
				server = s;
				resolve((s.address() as net.AddressInfo).port);
			});
		});
	const port = await listen(0);
	const cut = async () => {
		const closing = new Promise<void>((resolve) =>
			server ? server.close(() => resolve()) : resolve(),
		);
		for (const socket of sockets) socket.resetAndDestroy();
		await closing;
		server = undefined;
	};
	return {
		port,
		cut,
		restore: async () => {
			await listen(port);
		},
		close: cut,
	};
}
