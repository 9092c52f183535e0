import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { iamRoutes, TokenStore, type SimAccessKey, type SimUser } from './auth';
import { controlHandler, SimulatorControl, type SimulatorNetwork } from './control';
import { DcsStore } from './dcs';
import { DrsStore } from './drs';
import { DwsStore } from './dws';
import { AcceptedTriggers, FaultStore, HeldRequests, Sleeps } from './faults';
import { SimHttp } from './http';
import { RequestLog } from './request-log';
import { ApiThrottle } from './throttle';
import type { Clock } from './types';

export { SimulatorControl } from './control';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = random free port (default). */
  port?: number;
  /** Tokens accepted for every project without IAM; default ['sim-token']. */
  staticTokens?: string[];
  /** Users that may obtain tokens; default [{ name: 'demo', password: 'demo-password', domain: 'demo' }]. */
  users?: Array<{ name: string; password: string; domain: string }>;
  /** No per-request console lines. Default: true under jest (JEST_WORKER_ID set), else false. */
  quiet?: boolean;
  /** Lifetime of issued tokens; default 24 h. */
  tokenLifetimeMs?: number;
  /**
   * AK/SK pairs accepted for `SDK-HMAC-SHA256` signatures; default [DEFAULT_ACCESS_KEY]. A pair with `projectId`
   * is valid for that project only; without, for the project named in `X-Project-Id` (any if absent).
   */
  accessKeys?: Array<{ accessKey: string; secretKey: string; projectId?: string }>;
  /** Offset (ms) of the cloud's clock on the times it reports; default 0 (`control.setClockOffset` changes it). */
  clockOffsetMs?: number;
  /** Requests kept in the request log (oldest dropped first); default 10000. Benchmarks count more. */
  requestLogLimit?: number;
}

export interface RunningSimulator {
  /** Base URL, e.g. http://127.0.0.1:40123 (all services and the control API). */
  url: string;
  close(): Promise<void>;
  /** The same operations as the HTTP control API, in-process. */
  control: SimulatorControl;
}

export const DEFAULT_STATIC_TOKEN = 'sim-token';
export const DEFAULT_USER: SimUser = { name: 'demo', password: 'demo-password', domain: 'demo' };
/** The demo AK/SK pair (simulator only: not a real key). */
export const DEFAULT_ACCESS_KEY: SimAccessKey = {
  accessKey: 'SIMDEMOACCESSKEY0001',
  secretKey: 'sim-demo-secret-key-0000000000000000000001',
};

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock: Clock = () => Date.now();
  const tokens = new TokenStore(
    clock,
    options.staticTokens ?? [DEFAULT_STATIC_TOKEN],
    options.users ?? [DEFAULT_USER],
    options.tokenLifetimeMs ?? 24 * 3600 * 1000,
    options.accessKeys ?? [DEFAULT_ACCESS_KEY],
  );
  const faults = new FaultStore();
  const log = new RequestLog(options.requestLogLimit);
  const dcs = new DcsStore(clock);
  const dws = new DwsStore(clock);
  const drs = new DrsStore(clock);
  const held = new HeldRequests();
  const accepted = new AcceptedTriggers();
  const sleeps = new Sleeps();
  const clockOffset = { offsetMs: options.clockOffsetMs ?? 0 };

  // Every server that ever listened (a refusal closes the listening one and opens a new one on the same port).
  const servers: Array<{ server: Server; ended: Promise<void> }> = [];
  let closing = false;
  let refusing = false;
  const host = options.host ?? '127.0.0.1';
  const listen = async (port: number): Promise<Server> => {
    const server = createServer(http.listener);
    server.keepAliveTimeout = 5000;
    servers.push({ server, ended: new Promise((resolve) => server.once('close', () => resolve())) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server;
  };

  let current: Server | undefined;
  const network: SimulatorNetwork = {
    clock: clockOffset,
    refusing: () => refusing,
    async refuseConnections(ms: number) {
      if (refusing || closing || !current) return;
      refusing = true;
      const port = (current.address() as AddressInfo).port;
      // Stop listening (new connections: ECONNREFUSED) and drop idle keep-alive connections; requests in
      // flight (held, late) go on.
      current.close();
      current.closeIdleConnections();
      const waited = await sleeps.sleep(ms);
      if (waited && !closing) current = await listen(port);
      refusing = false;
    },
  };

  const throttle = new ApiThrottle(clock);
  dcs.onSwitchStarted = dws.onSwitchStarted = drs.onSwitchStarted = throttle.switchStarted;
  const control = new SimulatorControl(
    { dcs, dws, drs },
    faults,
    log,
    tokens,
    { held, accepted, network },
    throttle,
  );
  const http = new SimHttp({
    routes: [...iamRoutes(tokens), ...dcs.routes(), ...dws.routes(), ...drs.routes()],
    tokens,
    faults,
    log,
    control: controlHandler(control),
    throttle,
    quiet: options.quiet ?? Boolean(process.env.JEST_WORKER_ID),
    held,
    accepted,
    sleeps,
    clock: clockOffset,
  });

  current = await listen(options.port ?? 0);
  const address = current.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    control,
    close: () => {
      closed ??= (async () => {
        closing = true;
        sleeps.cancelAll();
        held.release(undefined, 'drop');
        for (const { server } of servers) {
          if (server.listening) server.close();
          server.closeAllConnections();
        }
        await Promise.all(servers.map((s) => s.ended));
      })();
      return closed;
    },
  };
}
