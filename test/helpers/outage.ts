/**
 * Audit-store outages for tests: a store wrapper that refuses every call while down (a JSON Lines file on a
 * volume that went away), and a TCP proxy in front of PostgreSQL that refuses and drops connections while down
 * (a database failover or maintenance, as the worker's pool sees it).
 */
import net from 'node:net';
import type { AuditAppendResult, AuditQuery, AuditStore } from '../../activities/audit';
import type { SwitchoverOutcome } from '../../domain/outcome';

/** Down until a time: `isDown(now)` decides, so a test can use wall-clock or the server's (skipped) clock. */
export class OutageAuditStore implements AuditStore {
  readonly backend: AuditStore['backend'];
  private downUntil = 0;
  /** Appends refused while down (alerts the worker would have raised). */
  refusedAppends = 0;
  constructor(
    readonly inner: AuditStore,
    private readonly clock: () => number = Date.now,
  ) {
    this.backend = inner.backend;
  }
  downFor(ms: number): void {
    this.downUntil = this.clock() + ms;
  }
  up(): void {
    this.downUntil = 0;
  }
  get down(): boolean {
    return this.clock() < this.downUntil;
  }
  private check(): void {
    if (this.down) throw new Error(`${this.inner.describe()} is unavailable (test outage)`);
  }
  async append(outcome: SwitchoverOutcome): Promise<AuditAppendResult> {
    if (this.down) this.refusedAppends += 1;
    this.check();
    return this.inner.append(outcome);
  }
  async list(query?: AuditQuery): Promise<SwitchoverOutcome[]> {
    this.check();
    return this.inner.list(query);
  }
  describe(): string {
    return this.inner.describe();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A TCP proxy to `target` on a free loopback port; `downFor(ms)` drops every connection and refuses new ones. */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let downUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < downUntil) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    downFor(ms: number): void {
      downUntil = Date.now() + ms;
      for (const socket of sockets) socket.destroy();
    },
    get down(): boolean {
      return Date.now() < downUntil;
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
