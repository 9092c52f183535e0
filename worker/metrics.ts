/**
 * The worker's Prometheus metrics. Two endpoints, each off unless its port is set:
 *
 *   SWITCHOVER_METRICS_PORT      switchover metrics (this file, prom-client) at http://HOST:PORT/metrics
 *   SWITCHOVER_SDK_METRICS_PORT  the Temporal SDK's own (task slots, poll latencies, activity/workflow
 *                                execution counts...), served by the SDK core's exporter at /metrics
 *   SWITCHOVER_METRICS_HOST      bind address of both (default 0.0.0.0, for containers)
 *
 * Switchover metrics:
 *   switchover_outcomes_total{kind,outcome}                       one per workflow run (counted when recorded)
 *   switchover_duration_seconds{kind,outcome}                     histogram: start to finish of the switchover
 *   switchover_audit_appends_total{backend,result}                written | already-recorded (retried appends) |
 *                                                                 failed (the store did not take it: alert on it)
 *   switchover_cloud_requests_total{service,operation,status}     cloud API calls; status = HTTP code or network
 *   switchover_cloud_request_duration_seconds{service,operation}  histogram
 *   switchover_notifications_total{result}                        webhook attempts: sent | failed | disabled
 * plus the process's default metrics (CPU, memory, event-loop lag) prefixed `switchover_process_`/`switchover_nodejs_`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditAppendResult } from '../activities/audit';
import type { CloudCall } from '../activities/http/cloud-client';
import type { NotifyResult } from '../activities/notify';
import type { SwitchoverOutcome } from '../domain/outcome';

/** Switchovers take seconds to tens of minutes. */
const SWITCHOVER_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
const CLOUD_CALL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class SwitchoverMetrics {
  readonly registry = new Registry();
  private readonly outcomes: Counter<'kind' | 'outcome'>;
  private readonly durations: Histogram<'kind' | 'outcome'>;
  private readonly auditAppends: Counter<'backend' | 'result'>;
  private readonly cloudRequests: Counter<'service' | 'operation' | 'status'>;
  private readonly cloudDurations: Histogram<'service' | 'operation'>;
  private readonly notifications: Counter<'result'>;

  /** `processMetrics`: also CPU, memory, GC and event loop (one registry per process should have them). */
  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.outcomes = new Counter({
      name: 'switchover_outcomes_total',
      help: 'Switchovers that ended, by kind and outcome (counted once per workflow run, when recorded)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.durations = new Histogram({
      name: 'switchover_duration_seconds',
      help: 'Switchover duration from workflow start to outcome, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      buckets: SWITCHOVER_BUCKETS,
      registers,
    });
    this.auditAppends = new Counter({
      name: 'switchover_audit_appends_total',
      help: 'recordOutcome appends to the audit store, by backend and result (already-recorded: a retry)',
      labelNames: ['backend', 'result'],
      registers,
    });
    this.cloudRequests = new Counter({
      name: 'switchover_cloud_requests_total',
      help: 'Cloud API calls, by service, operation and HTTP status (network: no answer)',
      labelNames: ['service', 'operation', 'status'],
      registers,
    });
    this.cloudDurations = new Histogram({
      name: 'switchover_cloud_request_duration_seconds',
      help: 'Cloud API call latency, by service and operation',
      labelNames: ['service', 'operation'],
      buckets: CLOUD_CALL_BUCKETS,
      registers,
    });
    this.notifications = new Counter({
      name: 'switchover_notifications_total',
      help: 'Outcome webhook delivery attempts, by result',
      labelNames: ['result'],
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'switchover_' });
  }

  /** From recordOutcome: counts a run once (when its record is written, not when a retry finds it there). */
  readonly observeRecorded = (
    outcome: SwitchoverOutcome,
    result: AuditAppendResult,
    backend: string,
  ): void => {
    this.auditAppends.inc({ backend, result });
    if (result !== 'written') return;
    const labels = { kind: outcome.kind, outcome: outcome.status };
    this.outcomes.inc(labels);
    if (Number.isFinite(outcome.durationMs) && outcome.durationMs >= 0) {
      this.durations.observe(labels, outcome.durationMs / 1000);
    }
  };

  /** recordOutcome's failed attempts: the audit store is not taking outcomes (they are retried for days). */
  readonly observeRecordFailed = (backend: string): void => {
    this.auditAppends.inc({ backend, result: 'failed' });
  };

  /** CloudClient's onCall hook (never sees headers or bodies). */
  readonly observeCloudCall = (call: CloudCall): void => {
    this.cloudRequests.inc({ service: call.service, operation: call.operation, status: String(call.status) });
    this.cloudDurations.observe({ service: call.service, operation: call.operation }, call.durationMs / 1000);
  };

  readonly observeNotification = (result: NotifyResult): void => {
    this.notifications.inc({ result });
  };

  /** Serves `/metrics` on host:port (0: any free port); resolves once listening. */
  async serve(options: { host: string; port: number }): Promise<MetricsServer> {
    const server = http.createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        this.registry.metrics().then(
          (text) => {
            response.writeHead(200, { 'Content-Type': this.registry.contentType });
            response.end(request.method === 'HEAD' ? undefined : text);
          },
          (error: unknown) => {
            response.writeHead(500, { 'Content-Type': 'text/plain' });
            response.end(
              `metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`,
            );
          },
        );
        return;
      }
      if (path === '/' || path === '/healthz') {
        response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok: metrics at /metrics\n');
        return;
      }
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: metrics at /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
    return {
      port,
      url: `http://${shownHost}:${port}/metrics`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }
}

export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * When `sdkPort` is set, installs the Temporal runtime with the SDK core's Prometheus exporter on host:sdkPort
 * and returns its URL; otherwise leaves the runtime to its defaults. Once per process, before any connection.
 */
export function installSdkMetrics(options: {
  host: string;
  sdkPort?: number;
  logLevel?: LogLevel;
}): string | undefined {
  if (options.sdkPort === undefined) return undefined;
  const bindAddress = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.sdkPort}`;
  Runtime.install({
    logger: new DefaultLogger(options.logLevel ?? 'INFO'),
    telemetryOptions: { metrics: { prometheus: { bindAddress } } },
  });
  return `http://${bindAddress}/metrics`;
}
