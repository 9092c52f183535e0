import { createHash, randomBytes } from 'node:crypto';

/** 32 lowercase hex characters, the shape of DCS job IDs. */
export function hexId(): string {
  return randomBytes(16).toString('hex');
}

/** A UUID v4-shaped ID. */
export function uuid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Deterministic hex digest, for IDs derived from other IDs (node IDs, IPs). */
export function derivedHex(seed: string, length = 32): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/** A private IPv4 address derived from a seed, stable across calls. */
export function derivedIp(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  return `192.168.${(bytes[0] as number) % 250}.${((bytes[1] as number) % 250) + 2}`;
}

/** UTC timestamp `yyyyMMddHHmmss` to epoch ms; undefined when malformed. */
export function parseCompactUtc(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined;
  return ms;
}

/** ISO 8601 UTC without milliseconds: `2024-05-01T10:00:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A copy of `value` without the keys whose value is undefined (for merging partial settings). */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
