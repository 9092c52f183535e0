import type { TokenStore } from './auth';
import type { DcsInstanceView, DcsStore } from './dcs';
import type { DrsJobView, DrsStore } from './drs';
import type { DwsDrView, DwsStore } from './dws';
import type {
  AcceptedFilter,
  AcceptedTrigger,
  AcceptedTriggers,
  ActiveFault,
  FaultSpec,
  FaultStore,
  HeldRequest,
  HeldRequests,
} from './faults';
import { describeIssues, releaseSpecSchema } from './faults';
import type { LoggedRequest, RequestFilter, RequestLog } from './request-log';
import type { ApiThrottle, RateView } from './throttle';
import type { SimRequest, SimResponse } from './types';
import { SimulatorInputError } from './types';

/** What the control needs from the server: its listening socket and the cloud's clock offset. */
export interface SimulatorNetwork {
  /** Closes the listening socket (new connections are refused) and reopens it on the same port after `ms`. */
  refuseConnections(ms: number): Promise<void>;
  /** True while connections are refused. */
  refusing(): boolean;
  clock: { offsetMs: number };
}

/**
 * In-process control of the simulator. The HTTP control API under `/_sim/...` maps onto these methods one to one.
 * Inputs are validated (zod); bad input throws `SimulatorInputError` with a message naming the field.
 */
export class SimulatorControl {
  constructor(
    private readonly stores: { dcs: DcsStore; dws: DwsStore; drs: DrsStore },
    private readonly faultStore: FaultStore,
    private readonly log: RequestLog,
    private readonly tokens: TokenStore,
    private readonly chaos?: { held: HeldRequests; accepted: AcceptedTriggers; network: SimulatorNetwork },
    private readonly throttle?: ApiThrottle,
  ) {}

  /** Clears resources, faults, the request log, accepted triggers, the clock offset and issued tokens; drops held requests. */
  reset(): void {
    this.stores.dcs.reset();
    this.stores.dws.reset();
    this.stores.drs.reset();
    this.faultStore.clear();
    this.log.clear();
    this.tokens.revokeAll();
    this.chaos?.held.release(undefined, 'drop');
    this.chaos?.accepted.clear();
    if (this.chaos) this.chaos.network.clock.offsetMs = 0;
    this.throttle?.reset();
  }

  private need(): { held: HeldRequests; accepted: AcceptedTriggers; network: SimulatorNetwork } {
    if (!this.chaos) throw new SimulatorInputError('not available on this simulator', 501);
    return this.chaos;
  }

  // ---- held requests (`hold` fault) ----
  /** Requests waiting at the simulator, oldest first. */
  heldRequests(): HeldRequest[] {
    return this.need().held.list();
  }
  heldCount(): number {
    return this.need().held.count();
  }
  /** Releases one held request (`id`) or all: `apply` (default true) handles and answers, false drops it. */
  releaseHeld(input: unknown = {}): { released: string[] } {
    const parsed = releaseSpecSchema.safeParse(input ?? {});
    if (!parsed.success) throw new SimulatorInputError(`invalid release: ${describeIssues(parsed.error)}`);
    const released = this.need().held.release(parsed.data.id, parsed.data.apply ? 'apply' : 'drop');
    if (parsed.data.id !== undefined && released.length === 0)
      throw new SimulatorInputError(`no held request ${parsed.data.id}`, 404);
    return { released };
  }

  // ---- accepted triggers ----
  /** Triggers (swap, async-swap, switchover, failover, switch-vip) the simulator accepted, oldest first. */
  acceptedTriggers(filter: AcceptedFilter = {}): AcceptedTrigger[] {
    return this.need().accepted.list(filter);
  }
  /** Accepted triggers per resource ID. */
  acceptedCounts(): Record<string, number> {
    return this.need().accepted.counts();
  }

  // ---- clock offset ----
  /** Offset (ms) of the cloud's clock: added to the times it reports, subtracted from time filters it reads. */
  setClockOffset(ms: number): { offsetMs: number } {
    if (!Number.isInteger(ms) || Math.abs(ms) > 7 * 86_400_000)
      throw new SimulatorInputError('offsetMs must be an integer number of ms within ±7 days');
    this.need().network.clock.offsetMs = ms;
    return { offsetMs: ms };
  }
  clockOffset(): { offsetMs: number } {
    return { offsetMs: this.need().network.clock.offsetMs };
  }

  // ---- connection refusal ----
  /** Closes the listening socket for `ms` (connections refused), then reopens it on the same port. */
  refuseConnections(ms: number): Promise<void> {
    if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000)
      throw new SimulatorInputError('ms must be an integer from 1 to 3600000');
    return this.need().network.refuseConnections(ms);
  }

  // ---- throttle and meters (simulator/throttle.ts) ----
  /** `{ callsPerSecond, services? }`: per project and service; 0 turns it off. */
  setThrottle(config: unknown): { callsPerSecond: number; services: string[] } {
    if (!this.throttle) throw new SimulatorInputError('this simulator has no throttle');
    return this.throttle.configure(config);
  }
  /** The throttle's settings, the peak accepted call rate per project and service, the most switches at once. */
  meters(filter: { projectId?: string } = {}): {
    throttle: { callsPerSecond: number; services: string[] };
    rates: RateView[];
    maxConcurrentSwitches: number;
    switches: number;
  } {
    if (!this.throttle) throw new SimulatorInputError('this simulator has no throttle');
    const { maxConcurrent, switches } = this.throttle.concurrency(filter);
    return {
      throttle: this.throttle.settings(),
      rates: this.throttle.rates().filter((r) => !filter.projectId || r.project === filter.projectId),
      maxConcurrentSwitches: maxConcurrent,
      switches,
    };
  }
  resetMeters(): void {
    this.throttle?.resetMeters();
  }

  // ---- DCS ----
  createDcsInstance(input: unknown): DcsInstanceView {
    return this.stores.dcs.create(input);
  }
  patchDcsInstance(instanceId: string, patch: unknown): DcsInstanceView {
    return this.stores.dcs.patch(instanceId, patch);
  }
  getDcsInstance(instanceId: string): DcsInstanceView | undefined {
    return this.stores.dcs.get(instanceId);
  }
  listDcsInstances(): DcsInstanceView[] {
    return this.stores.dcs.list();
  }

  // ---- DWS ----
  createDwsDisasterRecovery(input: unknown): DwsDrView {
    return this.stores.dws.create(input);
  }
  patchDwsDisasterRecovery(drId: string, patch: unknown): DwsDrView {
    return this.stores.dws.patch(drId, patch);
  }
  getDwsDisasterRecovery(drId: string): DwsDrView | undefined {
    return this.stores.dws.get(drId);
  }
  listDwsDisasterRecoveries(): DwsDrView[] {
    return this.stores.dws.list();
  }

  // ---- DRS ----
  createDrsJob(input: unknown): DrsJobView {
    return this.stores.drs.create(input);
  }
  patchDrsJob(jobId: string, patch: unknown): DrsJobView {
    return this.stores.drs.patch(jobId, patch);
  }
  getDrsJob(jobId: string): DrsJobView | undefined {
    return this.stores.drs.get(jobId);
  }
  listDrsJobs(): DrsJobView[] {
    return this.stores.drs.list();
  }

  // ---- faults ----
  addFault(spec: FaultSpec | unknown): { id: string } {
    return { id: this.faultStore.add(spec).id };
  }
  listFaults(): ActiveFault[] {
    return this.faultStore.list();
  }
  removeFault(id: string): boolean {
    return this.faultStore.remove(id);
  }
  clearFaults(): void {
    this.faultStore.clear();
  }

  // ---- request log ----
  requests(filter: RequestFilter = {}): LoggedRequest[] {
    if (filter.path) {
      try {
        new RegExp(filter.path);
      } catch {
        throw new SimulatorInputError('path must be a valid regular expression source');
      }
    }
    return this.log.list(filter);
  }
  clearRequests(): void {
    this.log.clear();
  }

  // ---- tokens ----
  /** Revokes every token issued by `POST /v3/auth/tokens`; static tokens stay valid. */
  revokeTokens(): { revoked: number } {
    return { revoked: this.tokens.revokeAll() };
  }
  /** Lifetime of tokens issued from now on. */
  setTokenLifetime(ms: number): void {
    if (!Number.isInteger(ms) || ms < 1)
      throw new SimulatorInputError('token lifetime must be a positive integer (ms)');
    this.tokens.lifetimeMs = ms;
  }
}

type ControlRoute = {
  method: string;
  regex: RegExp;
  run: (control: SimulatorControl, req: SimRequest, m: RegExpExecArray) => SimResponse;
};

const ok = (body: unknown, status = 200): SimResponse => ({ status, body });

function found<T>(value: T | undefined, what: string): SimResponse {
  return value === undefined ? { status: 404, body: { error: `${what} does not exist` } } : ok(value);
}

function resourceRoutes<V>(
  prefix: string,
  what: string,
  ops: {
    create: (c: SimulatorControl, body: unknown) => V;
    patch: (c: SimulatorControl, id: string, body: unknown) => V;
    get: (c: SimulatorControl, id: string) => V | undefined;
    list: (c: SimulatorControl) => V[];
  },
): ControlRoute[] {
  const one = new RegExp(`^/_sim/${prefix}/([^/]+)$`);
  const all = new RegExp(`^/_sim/${prefix}$`);
  return [
    { method: 'POST', regex: all, run: (c, req) => ok(ops.create(c, req.body), 201) },
    { method: 'GET', regex: all, run: (c) => ok(ops.list(c)) },
    {
      method: 'PATCH',
      regex: one,
      run: (c, req, m) => ok(ops.patch(c, decodeURIComponent(m[1] as string), req.body)),
    },
    {
      method: 'GET',
      regex: one,
      run: (c, _req, m) => found(ops.get(c, decodeURIComponent(m[1] as string)), `${what} ${m[1]}`),
    },
  ];
}

export const CONTROL_ROUTES: ControlRoute[] = [
  {
    method: 'POST',
    regex: /^\/_sim\/reset$/,
    run: (c) => {
      c.reset();
      return ok({ reset: true });
    },
  },
  { method: 'GET', regex: /^\/_sim\/health$/, run: () => ok({ ok: true }) },
  ...resourceRoutes('dcs/instances', 'DCS instance', {
    create: (c, b) => c.createDcsInstance(b),
    patch: (c, id, b) => c.patchDcsInstance(id, b),
    get: (c, id) => c.getDcsInstance(id),
    list: (c) => c.listDcsInstances(),
  }),
  ...resourceRoutes('dws/disaster-recoveries', 'DWS disaster recovery', {
    create: (c, b) => c.createDwsDisasterRecovery(b),
    patch: (c, id, b) => c.patchDwsDisasterRecovery(id, b),
    get: (c, id) => c.getDwsDisasterRecovery(id),
    list: (c) => c.listDwsDisasterRecoveries(),
  }),
  ...resourceRoutes('drs/jobs', 'DRS job', {
    create: (c, b) => c.createDrsJob(b),
    patch: (c, id, b) => c.patchDrsJob(id, b),
    get: (c, id) => c.getDrsJob(id),
    list: (c) => c.listDrsJobs(),
  }),
  { method: 'POST', regex: /^\/_sim\/faults$/, run: (c, req) => ok(c.addFault(req.body), 201) },
  { method: 'GET', regex: /^\/_sim\/faults$/, run: (c) => ok(c.listFaults()) },
  {
    method: 'DELETE',
    regex: /^\/_sim\/faults$/,
    run: (c) => {
      c.clearFaults();
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    regex: /^\/_sim\/faults\/([^/]+)$/,
    run: (c, _req, m) =>
      c.removeFault(decodeURIComponent(m[1] as string))
        ? { status: 204 }
        : { status: 404, body: { error: 'no such fault' } },
  },
  {
    method: 'GET',
    regex: /^\/_sim\/requests$/,
    run: (c, req) =>
      ok(c.requests({ method: req.query.method, path: req.query.path, service: req.query.service })),
  },
  {
    method: 'DELETE',
    regex: /^\/_sim\/requests$/,
    run: (c) => {
      c.clearRequests();
      return { status: 204 };
    },
  },
  { method: 'PUT', regex: /^\/_sim\/throttle$/, run: (c, req) => ok(c.setThrottle(req.body)) },
  {
    method: 'GET',
    regex: /^\/_sim\/meters$/,
    run: (c, req) => ok(c.meters({ projectId: req.query.project })),
  },
  {
    method: 'DELETE',
    regex: /^\/_sim\/meters$/,
    run: (c) => {
      c.resetMeters();
      return { status: 204 };
    },
  },
  { method: 'POST', regex: /^\/_sim\/tokens\/revoke$/, run: (c) => ok(c.revokeTokens()) },
  {
    method: 'GET',
    regex: /^\/_sim\/held$/,
    run: (c) => ok({ count: c.heldCount(), held: c.heldRequests() }),
  },
  { method: 'POST', regex: /^\/_sim\/held\/release$/, run: (c, req) => ok(c.releaseHeld(req.body ?? {})) },
  {
    method: 'GET',
    regex: /^\/_sim\/accepted$/,
    run: (c, req) =>
      ok({
        counts: c.acceptedCounts(),
        accepted: c.acceptedTriggers({
          service: req.query.service,
          resourceId: req.query.resourceId,
          operation: req.query.operation,
        }),
      }),
  },
  { method: 'GET', regex: /^\/_sim\/clock$/, run: (c) => ok(c.clockOffset()) },
  {
    method: 'PUT',
    regex: /^\/_sim\/clock$/,
    run: (c, req) => ok(c.setClockOffset(Number((req.body as { offsetMs?: unknown } | undefined)?.offsetMs))),
  },
  {
    method: 'POST',
    regex: /^\/_sim\/refuse-connections$/,
    run: (c, req) => {
      const ms = Number((req.body as { ms?: unknown } | undefined)?.ms);
      if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000)
        throw new SimulatorInputError('ms must be an integer from 1 to 3600000');
      // Answered first: the socket closes right after this answer is written.
      setImmediate(() => {
        c.refuseConnections(ms).catch(() => undefined);
      });
      return ok({ refusingForMs: ms }, 202);
    },
  },
  {
    method: 'PUT',
    regex: /^\/_sim\/tokens\/lifetime$/,
    run: (c, req) => {
      c.setTokenLifetime(Number((req.body as { ms?: unknown } | undefined)?.ms));
      return ok({ ms: Number((req.body as { ms?: unknown }).ms) });
    },
  },
];

/** HTTP control API: `/_sim/...`, no authentication. */
export function controlHandler(control: SimulatorControl): (req: SimRequest) => SimResponse {
  return (req) => {
    for (const route of CONTROL_ROUTES) {
      if (route.method !== req.method) continue;
      const m = route.regex.exec(req.path);
      if (!m) continue;
      try {
        return route.run(control, req, m);
      } catch (err) {
        if (err instanceof SimulatorInputError) return { status: err.status, body: { error: err.message } };
        throw err;
      }
    }
    return { status: 404, body: { error: `no control endpoint ${req.method} ${req.path}` } };
  };
}
