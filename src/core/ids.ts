/**
 * UUIDv7 (RFC 9562 §5.7) for request and event ids: 48 bits of Unix milliseconds, then a 12-bit
 * counter in rand_a (method 1 of §6.2) so ids minted in one process sort in the order they were
 * made, then 62 random bits. The random bytes come from a pooled crypto.randomFillSync: the uuid
 * package asks WebCrypto for 16 bytes per id, which cost the webhook path two calls per request.
 */
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;
let lastMs = -1;
let counter = 0;

const HEX = Array.from({ length: 256 }, (_, i) =>
	i.toString(16).padStart(2, "0"),
);

function randomBytes(n: number): number {
	if (poolOffset + n > POOL_BYTES) {
		randomFillSync(pool);
		poolOffset = 0;
	}
	const start = poolOffset;
	poolOffset += n;
	return start;
}

export function uuidv7(nowMs: number = Date.now()): string {
	if (nowMs > lastMs) {
		lastMs = nowMs;
		// A random start with the top bit clear leaves at least 2,048 increments in this millisecond.
		const at = randomBytes(2);
		counter = (((pool[at] as number) << 8) | (pool[at + 1] as number)) & 0x7ff;
	} else if (++counter > 0xfff) {
		// Same millisecond, or the clock stepped back: we count on from lastMs; once the counter is
		// spent we borrow the next millisecond, as §6.2 allows.
		lastMs++;
		counter = 0;
	}
	const ms = lastMs;
	const r = randomBytes(8);
	const b = (i: number) => HEX[pool[r + i] as number] as string;
	const timeHigh = Math.floor(ms / 0x10000);
	const timeLow = ms % 0x10000;
	return (
		timeHigh.toString(16).padStart(8, "0") +
		"-" +
		timeLow.toString(16).padStart(4, "0") +
		"-" +
		(0x7000 | counter).toString(16) +
		"-" +
		HEX[0x80 | ((pool[r] as number) & 0x3f)] +
		b(1) +
		"-" +
		b(2) +
		b(3) +
		b(4) +
		b(5) +
		b(6) +
		b(7)
	);
}
