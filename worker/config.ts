import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { SafetyPolicy } from '../activities/safety';
import {
  DEFAULT_LATE_ACCEPTANCE_WINDOW_MS,
  MAX_LATE_ACCEPTANCE_WINDOW_MS,
} from '../activities/late-acceptance';
import { DEFAULT_SCHEDULE } from '../activities/poll-schedule';
import { DEFAULT_TASK_QUEUE, SWITCHOVER_KINDS, type SwitchoverKind } from '../domain/kinds';
import type { CloudAuth } from '../activities/http/auth';
import {
  AuditConfigError,
  auditEnvFields,
  auditSettingsOf,
  describeAuditSettings,
  type AuditSettings,
} from '../activities/audit/settings';
import { WEBHOOK_FORMATS, originOf, type WebhookSettings } from '../activities/notify';
import {
  CredentialsError,
  credentialsAuth,
  describeCredentials,
  readCredentials,
  type CloudCredentials,
} from './credentials';
import { CLOUDS, REGION_SERVICES, RegionError, regionEndpoints, type ServiceEndpoints } from './regions';
import {
  TemporalConfigError,
  describeTemporalConnection,
  temporalConnectionOptions,
  workerDeploymentOptions,
  type SwitchoverDeploymentOptions,
  type TemporalConnectionOptions,
} from '../shared/temporal-connection';

/** The embedded default cloud: the simulator as `npm start` and `npm run simulator` run it. */
export const DEFAULT_SIMULATOR_URL = 'http://127.0.0.1:9090';

export const SWITCHOVER_CLOUDS = ['simulator', ...CLOUDS] as const;
export type SwitchoverCloud = (typeof SWITCHOVER_CLOUDS)[number];

const url = (name: string) =>
  z
    .string()
    .url({ message: `${name} must be an absolute http(s) URL` })
    .refine((value) => /^https?:\/\//.test(value), { message: `${name} must use http or https` });

const port = (name: string) =>
  z.coerce
    .number({ message: `${name} must be a port number` })
    .int({ message: `${name} must be a whole port number` })
    .min(0, { message: `${name} must be a port from 0 to 65535` })
    .max(65535, { message: `${name} must be a port from 0 to 65535` });

/** `SWITCHOVER_DCS_ENDPOINT` and so on: one per service of services/registry.ts. */
const endpointVariable = (service: string) => `SWITCHOVER_${service.toUpperCase()}_ENDPOINT`;
const serviceEndpointFields = Object.fromEntries(
  SWITCHOVER_KINDS.map((kind) => [endpointVariable(kind), url(endpointVariable(kind)).optional()]),
) as Record<`SWITCHOVER_${Uppercase<SwitchoverKind>}_ENDPOINT`, z.ZodOptional<ReturnType<typeof url>>>;
const count = (name: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${name} must be a whole number` })
    .int({ message: `${name} must be a whole number` })
    .min(min, { message: `${name} must be at least ${min}` })
    .max(max, { message: `${name} must be at most ${max}` });

const flag = (name: string) =>
  z
    .enum(['true', 'false', '1', '0', 'on', 'off'], { message: `${name} must be true or false` })
    .transform((value) => ['true', '1', 'on'].includes(value));

/**
 * Worker tuning defaults, chosen from `npm run bench -- --suite scale` on 2 cores (README, Performance).
 * Activity slots: an in-flight switchover holds one for its await activity, which sleeps between polls, so the
 * limit must sit well above the switchovers in flight (a sleeping poll costs a few KB, not a scarce slot).
 */
export const WORKER_TUNING_DEFAULTS = {
  maxConcurrentActivityTaskExecutions: 2000,
  maxConcurrentWorkflowTaskExecutions: 100,
  /** Validation with the policy, preflight and verify run as local activities, inside workflow tasks: short reads. */
  maxConcurrentLocalActivityExecutions: 200,
  maxCachedWorkflows: 1000,
  maxConcurrentActivityTaskPolls: 20,
  maxConcurrentWorkflowTaskPolls: 20,
} as const;

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  SWITCHOVER_CLOUD: z
    .enum(SWITCHOVER_CLOUDS, { message: `SWITCHOVER_CLOUD must be one of ${SWITCHOVER_CLOUDS.join(', ')}` })
    .default('simulator'),
  SWITCHOVER_REGION: z.string().min(1).optional(),
  /** Where the simulator answers when SWITCHOVER_CLOUD=simulator (compose: http://simulator:9090); ignored otherwise. */
  SWITCHOVER_SIMULATOR_URL: url('SWITCHOVER_SIMULATOR_URL').default(DEFAULT_SIMULATOR_URL),
  OS_REGION_NAME: z.string().min(1).optional(),
  ...serviceEndpointFields,
  SWITCHOVER_IAM_ENDPOINT: url('SWITCHOVER_IAM_ENDPOINT').optional(),
  /** Open Telekom Cloud: derive the DWS endpoint although DWS disaster recovery is not in the OTC API reference. */
  SWITCHOVER_OTC_DWS: z
    .enum(['enabled', 'disabled'], { message: 'SWITCHOVER_OTC_DWS must be enabled or disabled' })
    .default('disabled'),
  SWITCHOVER_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int({ message: 'SWITCHOVER_REQUEST_TIMEOUT_MS must be a whole number of milliseconds' })
    .min(100, { message: 'SWITCHOVER_REQUEST_TIMEOUT_MS must be at least 100' })
    .max(25_000, {
      message:
        'SWITCHOVER_REQUEST_TIMEOUT_MS must be at most 25000 (a trigger attempt lasts 30 s and must see its send resolve)',
    })
    .default(15_000),
  /** After a trigger that may have reached the cloud, how long to look for its switch before ending `unknown`. */
  SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS: z.coerce
    .number({ message: 'SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS must be a number of milliseconds' })
    .int({ message: 'SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS must be a whole number of milliseconds' })
    .min(0, { message: 'SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS must be at least 0' })
    .max(MAX_LATE_ACCEPTANCE_WINDOW_MS, {
      message: `SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS must be at most ${MAX_LATE_ACCEPTANCE_WINDOW_MS} (the trigger's look runs in one activity of at most 15 min)`,
    })
    .default(DEFAULT_LATE_ACCEPTANCE_WINDOW_MS),
  ...auditEnvFields,
  /** Webhook for every outcome; a Slack hook URL is a secret, so it is never logged (only its origin). */
  SWITCHOVER_WEBHOOK_URL: z
    .string()
    .refine((value) => /^https?:\/\/[^/]/.test(value) && URL.canParse(value), {
      message: 'SWITCHOVER_WEBHOOK_URL must be an absolute http(s) URL',
    })
    .optional(),
  SWITCHOVER_WEBHOOK_FORMAT: z
    .enum(WEBHOOK_FORMATS, {
      message: `SWITCHOVER_WEBHOOK_FORMAT must be one of ${WEBHOOK_FORMATS.join(', ')}`,
    })
    .default('json'),
  /** The Temporal Web UI, for links in notifications (e.g. http://localhost:8233). */
  TEMPORAL_UI_URL: url('TEMPORAL_UI_URL').optional(),
  /** The worker's Prometheus endpoint (switchover metrics, prom-client); unset: off; 0: any free port. */
  SWITCHOVER_METRICS_PORT: port('SWITCHOVER_METRICS_PORT').optional(),
  /** The Temporal SDK's own Prometheus endpoint (the Rust core's exporter); unset: off. */
  SWITCHOVER_SDK_METRICS_PORT: port('SWITCHOVER_SDK_METRICS_PORT')
    .min(1, {
      message: 'SWITCHOVER_SDK_METRICS_PORT must be a port from 1 to 65535',
    })
    .optional(),
  SWITCHOVER_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  SWITCHOVER_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** Anti-flapping: refuse switching a resource again within this many minutes unless forced; 0 = off. */
  SWITCHOVER_COOLDOWN_MINUTES: z.coerce
    .number({ error: 'SWITCHOVER_COOLDOWN_MINUTES must be a number of minutes' })
    .min(0, { message: 'SWITCHOVER_COOLDOWN_MINUTES must be at least 0' })
    .max(7 * 24 * 60, { message: 'SWITCHOVER_COOLDOWN_MINUTES must be at most 10080 (7 days)' })
    .default(10),
  /**
   * How long a switchover waits for the audit store before it returns its outcome flagged not recorded; a record
   * workflow (`record:<workflowId>:<runId>`) keeps retrying for up to 30 days either way.
   */
  SWITCHOVER_RECORD_WAIT_SECONDS: z.coerce
    .number({ error: 'SWITCHOVER_RECORD_WAIT_SECONDS must be a number of seconds' })
    .int({ message: 'SWITCHOVER_RECORD_WAIT_SECONDS must be a whole number' })
    .min(1, { message: 'SWITCHOVER_RECORD_WAIT_SECONDS must be at least 1' })
    .max(3600, { message: 'SWITCHOVER_RECORD_WAIT_SECONDS must be at most 3600' })
    .default(120),
  /** Kinds whose switchovers always wait for an approval, comma-separated (e.g. `dws,drs`); empty = none. */
  SWITCHOVER_REQUIRE_APPROVAL: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((kind) => kind.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.enum(SWITCHOVER_KINDS, {
          message: `SWITCHOVER_REQUIRE_APPROVAL lists kinds from ${SWITCHOVER_KINDS.join(', ')}, comma-separated`,
        }),
      ),
    ),
  /** Worker tuning (README, Performance): slots, cache, pollers. */
  SWITCHOVER_MAX_CONCURRENT_ACTIVITIES: count('SWITCHOVER_MAX_CONCURRENT_ACTIVITIES', 1, 100_000).default(
    WORKER_TUNING_DEFAULTS.maxConcurrentActivityTaskExecutions,
  ),
  SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS: count(
    'SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS',
    2,
    10_000,
  ).default(WORKER_TUNING_DEFAULTS.maxConcurrentWorkflowTaskExecutions),
  SWITCHOVER_MAX_CONCURRENT_LOCAL_ACTIVITIES: count(
    'SWITCHOVER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
    1,
    100_000,
  ).default(WORKER_TUNING_DEFAULTS.maxConcurrentLocalActivityExecutions),
  SWITCHOVER_MAX_CACHED_WORKFLOWS: count('SWITCHOVER_MAX_CACHED_WORKFLOWS', 0, 100_000).default(
    WORKER_TUNING_DEFAULTS.maxCachedWorkflows,
  ),
  SWITCHOVER_ACTIVITY_TASK_POLLERS: count('SWITCHOVER_ACTIVITY_TASK_POLLERS', 1, 1_000).default(
    WORKER_TUNING_DEFAULTS.maxConcurrentActivityTaskPolls,
  ),
  SWITCHOVER_WORKFLOW_TASK_POLLERS: count('SWITCHOVER_WORKFLOW_TASK_POLLERS', 2, 1_000).default(
    WORKER_TUNING_DEFAULTS.maxConcurrentWorkflowTaskPolls,
  ),
  /** Learned-duration polling (activities/poll-schedule.ts); off: the plain backoff. */
  SWITCHOVER_LEARNED_POLLING: flag('SWITCHOVER_LEARNED_POLLING').default(true),
  SWITCHOVER_POLL_DENSE_INTERVAL_MS: count('SWITCHOVER_POLL_DENSE_INTERVAL_MS', 100, 60_000).default(
    DEFAULT_SCHEDULE.denseIntervalMs,
  ),
  SWITCHOVER_POLL_MAX_DENSE_POLLS: count('SWITCHOVER_POLL_MAX_DENSE_POLLS', 1, 1_000).default(
    DEFAULT_SCHEDULE.maxDensePolls,
  ),
  /** Cloud calls per second per service and project, across all workers (activities/http/rate-limit.ts); unset: off. */
  SWITCHOVER_CLOUD_RATE_LIMIT: z.coerce
    .number({ error: 'SWITCHOVER_CLOUD_RATE_LIMIT must be a number of calls per second' })
    .int({ message: 'SWITCHOVER_CLOUD_RATE_LIMIT must be a whole number of calls per second' })
    .min(3, { message: 'SWITCHOVER_CLOUD_RATE_LIMIT must be at least 3 calls per second' })
    .optional(),
  /** Where the permits are counted: postgres (the audit database, shared by all workers) or memory (this process). */
  SWITCHOVER_RATE_LIMIT_STORE: z
    .enum(['postgres', 'memory'], { message: "SWITCHOVER_RATE_LIMIT_STORE must be 'postgres' or 'memory'" })
    .optional(),
});

/** The Temporal worker options the tuning variables set (worker/worker.ts passes them to Worker.create). */
export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxCachedWorkflows: number;
  maxConcurrentActivityTaskPolls: number;
  maxConcurrentWorkflowTaskPolls: number;
}

/** How the await activities poll (SWITCHOVER_LEARNED_POLLING, SWITCHOVER_POLL_*). */
export interface PollingConfig {
  learned: boolean;
  denseIntervalMs: number;
  maxDensePolls: number;
}

export interface WorkerConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  /**
   * Options for `NativeConnection.connect` (TLS, mTLS, API key); `address` equals `temporal.address`.
   * A function, like auth(): the API key and the client key stay out of this object's enumerable data.
   */
  connectionOptions: () => TemporalConnectionOptions;
  /** Worker deployment versioning, when SWITCHOVER_DEPLOYMENT_NAME and SWITCHOVER_BUILD_ID are set. */
  deployment?: SwitchoverDeploymentOptions;
  /** A prebuilt workflow bundle (SWITCHOVER_WORKFLOW_BUNDLE), for production images. */
  workflowBundlePath?: string;
  cloud: SwitchoverCloud;
  region?: string;
  endpoints: ServiceEndpoints;
  requestTimeoutMs: number;
  /** SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS: after an ambiguous trigger, how long to look for its switch. */
  lateAcceptanceWindowMs: number;
  /** Cooldown and approval policy (SWITCHOVER_COOLDOWN_MINUTES, SWITCHOVER_REQUIRE_APPROVAL). */
  safety: SafetyPolicy;
  /** SWITCHOVER_RECORD_WAIT_SECONDS. */
  recordWaitSeconds: number;
  /** The JSON Lines audit file (SWITCHOVER_AUDIT_FILE), also set when the backend is postgres. */
  auditFile: string;
  /** Where outcomes are recorded (SWITCHOVER_AUDIT_BACKEND / _FILE / _DATABASE_URL). */
  audit: AuditSettings;
  /** notifyOutcome's webhook (off when SWITCHOVER_WEBHOOK_URL is unset) and the Web UI for links. */
  notify: { webhook?: WebhookSettings; uiUrl?: string };
  /** Prometheus endpoints; a port left unset is off. */
  metrics: { host: string; port?: number; sdkPort?: number };
  /** Slots, cache and pollers of the Temporal worker (SWITCHOVER_MAX_CONCURRENT_*, ..._POLLERS). */
  tuning: WorkerTuning;
  polling: PollingConfig;
  /** Cloud call rate limit per service and project (SWITCHOVER_CLOUD_RATE_LIMIT); absent: unlimited. */
  rateLimit?: { callsPerSecond: number; store: 'postgres' | 'memory' };
  /** Builds the credential provider; secrets stay inside it, never in this object's description. */
  auth: () => CloudAuth;
  /** What the worker logs about itself: no secrets. */
  describe: () => string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the worker's configuration from `env` (only: never from process.env unless
 * passed); a bad value is a clear error naming the variable, never showing a secret.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const blankless = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  ) as Record<string, string>;
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (
        error instanceof CredentialsError ||
        error instanceof RegionError ||
        error instanceof TemporalConfigError ||
        error instanceof AuditConfigError ||
        error instanceof ConfigError
      ) {
        problems.push(error.message);
        return undefined;
      }
      throw error;
    }
  };

  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) {
    // zod messages name the variable; values of the variables read here are not secrets.
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const credentials = attempt(() => readCredentials(blankless));
  const connection = attempt(() => temporalConnectionOptions(blankless));
  const deployment = attempt(() => workerDeploymentOptions(blankless));
  const e = parsed.success ? parsed.data : undefined;
  const located = e && credentials ? attempt(() => locate(e, credentials)) : undefined;
  const audit = e ? attempt(() => auditSettingsOf(e)) : undefined;
  if (e?.SWITCHOVER_WORKFLOW_BUNDLE !== undefined && !existsSync(e.SWITCHOVER_WORKFLOW_BUNDLE)) {
    problems.push(
      `SWITCHOVER_WORKFLOW_BUNDLE: no file at ${e.SWITCHOVER_WORKFLOW_BUNDLE} (build it with: node dist/scripts/build-workflow-bundle.js FILE, or npx tsx scripts/build-workflow-bundle.ts FILE)`,
    );
  }

  if (e) problems.push(...tuningProblems(e));
  const rateLimitStore =
    e?.SWITCHOVER_RATE_LIMIT_STORE ?? (audit?.backend === 'postgres' ? 'postgres' : 'memory');
  if (
    e?.SWITCHOVER_CLOUD_RATE_LIMIT !== undefined &&
    rateLimitStore === 'postgres' &&
    audit?.backend !== 'postgres'
  ) {
    problems.push(
      'SWITCHOVER_RATE_LIMIT_STORE: postgres counts permits in the audit database: set SWITCHOVER_AUDIT_BACKEND=postgres and SWITCHOVER_AUDIT_DATABASE_URL',
    );
  }

  if (problems.length > 0 || !e || !credentials || !connection || !located || !audit) {
    throw new ConfigError(`invalid worker configuration:\n  ${problems.join('\n  ')}`);
  }

  const { endpoints, region } = located;
  const webhookUrl = e.SWITCHOVER_WEBHOOK_URL;
  const auth = (): CloudAuth =>
    credentialsAuth(credentials, { iamEndpoint: endpoints.iam, timeoutMs: e.SWITCHOVER_REQUEST_TIMEOUT_MS });
  return {
    temporal: {
      address: connection.address,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
    },
    connectionOptions: () => connection,
    ...(deployment ? { deployment } : {}),
    ...(e.SWITCHOVER_WORKFLOW_BUNDLE ? { workflowBundlePath: e.SWITCHOVER_WORKFLOW_BUNDLE } : {}),
    cloud: e.SWITCHOVER_CLOUD,
    ...(region ? { region } : {}),
    endpoints,
    requestTimeoutMs: e.SWITCHOVER_REQUEST_TIMEOUT_MS,
    lateAcceptanceWindowMs: e.SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS,
    safety: {
      cooldownMinutes: e.SWITCHOVER_COOLDOWN_MINUTES,
      approvalRequiredKinds: e.SWITCHOVER_REQUIRE_APPROVAL,
    },
    recordWaitSeconds: e.SWITCHOVER_RECORD_WAIT_SECONDS,
    auditFile: e.SWITCHOVER_AUDIT_FILE,
    audit,
    notify: {
      ...(webhookUrl ? { webhook: { url: () => webhookUrl, format: e.SWITCHOVER_WEBHOOK_FORMAT } } : {}),
      ...(e.TEMPORAL_UI_URL ? { uiUrl: e.TEMPORAL_UI_URL } : {}),
    },
    metrics: {
      host: e.SWITCHOVER_METRICS_HOST,
      ...(e.SWITCHOVER_METRICS_PORT !== undefined ? { port: e.SWITCHOVER_METRICS_PORT } : {}),
      ...(e.SWITCHOVER_SDK_METRICS_PORT !== undefined ? { sdkPort: e.SWITCHOVER_SDK_METRICS_PORT } : {}),
    },
    tuning: tuningOf(e),
    polling: {
      learned: e.SWITCHOVER_LEARNED_POLLING,
      denseIntervalMs: e.SWITCHOVER_POLL_DENSE_INTERVAL_MS,
      maxDensePolls: e.SWITCHOVER_POLL_MAX_DENSE_POLLS,
    },
    ...(e.SWITCHOVER_CLOUD_RATE_LIMIT !== undefined
      ? { rateLimit: { callsPerSecond: e.SWITCHOVER_CLOUD_RATE_LIMIT, store: rateLimitStore } }
      : {}),
    auth,
    describe: () =>
      [
        `temporal ${describeTemporalConnection(connection)} namespace ${e.TEMPORAL_NAMESPACE} task queue ${e.TEMPORAL_TASK_QUEUE}`,
        deployment
          ? `deployment ${deployment.version.deploymentName} build ${deployment.version.buildId} (${deployment.defaultVersioningBehavior})`
          : 'unversioned worker',
        ...(e.SWITCHOVER_WORKFLOW_BUNDLE ? [`workflow bundle ${e.SWITCHOVER_WORKFLOW_BUNDLE}`] : []),
        `cloud ${e.SWITCHOVER_CLOUD}${region ? ` region ${region}` : ''}`,
        `endpoints ${REGION_SERVICES.map((service) => `${service}=${endpoints[service]}`).join(' ')}`,
        `auth ${describeCredentials(credentials)}`,
        `audit ${describeAuditSettings(audit)}`,
        `cooldown ${e.SWITCHOVER_COOLDOWN_MINUTES} min, approval required for ${e.SWITCHOVER_REQUIRE_APPROVAL.join(',') || 'no kind'}`,
        webhookUrl ? `webhook ${originOf(webhookUrl)} (${e.SWITCHOVER_WEBHOOK_FORMAT})` : 'no webhook',
        `metrics ${describeMetrics(e)}`,
        `tuning ${describeTuning(tuningOf(e))}`,
        e.SWITCHOVER_LEARNED_POLLING
          ? `learned polling on (dense ${e.SWITCHOVER_POLL_DENSE_INTERVAL_MS} ms, at most ${e.SWITCHOVER_POLL_MAX_DENSE_POLLS} polls)`
          : 'learned polling off',
        e.SWITCHOVER_CLOUD_RATE_LIMIT !== undefined
          ? `cloud rate limit ${e.SWITCHOVER_CLOUD_RATE_LIMIT}/s per service and project (${rateLimitStore === 'postgres' ? 'shared through the audit database' : 'this process only'})`
          : 'no cloud rate limit',
      ].join('; '),
  };
}

/**
 * Cloud + region (+ per-service overrides) → endpoints. IAM: SWITCHOVER_IAM_ENDPOINT, else the one the
 * credentials name (OS_AUTH_URL, the credentials file), else the region's.
 */
function locate(
  e: z.output<typeof envSchema>,
  credentials: CloudCredentials,
): { endpoints: ServiceEndpoints; region?: string } {
  const iam =
    e.SWITCHOVER_IAM_ENDPOINT ?? (credentials.kind === 'password' ? credentials.iamEndpoint : undefined);
  const overrides: Partial<ServiceEndpoints> = {
    ...Object.fromEntries(
      SWITCHOVER_KINDS.flatMap((kind) => {
        const override = e[endpointVariable(kind) as keyof typeof serviceEndpointFields];
        return override ? [[kind, override]] : [];
      }),
    ),
    ...(iam ? { iam } : {}),
  };
  if (e.SWITCHOVER_CLOUD === 'simulator') {
    if (e.SWITCHOVER_REGION) {
      throw new ConfigError(
        'SWITCHOVER_REGION is set but SWITCHOVER_CLOUD is simulator (the default): set SWITCHOVER_CLOUD to huaweicloud or otc',
      );
    }
    const simulator = e.SWITCHOVER_SIMULATOR_URL;
    const everyService = Object.fromEntries(REGION_SERVICES.map((service) => [service, simulator]));
    return { endpoints: { ...everyService, ...overrides } as ServiceEndpoints };
  }
  if (e.SWITCHOVER_REGION && e.OS_REGION_NAME && e.SWITCHOVER_REGION !== e.OS_REGION_NAME) {
    throw new ConfigError(
      `SWITCHOVER_REGION (${e.SWITCHOVER_REGION}) and OS_REGION_NAME (${e.OS_REGION_NAME}) disagree: unset one`,
    );
  }
  const region = e.SWITCHOVER_REGION ?? e.OS_REGION_NAME;
  if (!region) {
    const missing = REGION_SERVICES.filter((service) => !overrides[service]);
    if (missing.length > 0) {
      throw new ConfigError(
        `SWITCHOVER_REGION is missing: SWITCHOVER_CLOUD=${e.SWITCHOVER_CLOUD} needs a region ` +
          `(or ${missing.map(endpointVariable).join(', ')})`,
      );
    }
    return { endpoints: overrides as ServiceEndpoints };
  }
  return {
    endpoints: regionEndpoints(e.SWITCHOVER_CLOUD, region, overrides, {
      otcDws: e.SWITCHOVER_OTC_DWS === 'enabled',
    }),
    region,
  };
}

function describeMetrics(e: z.output<typeof envSchema>): string {
  const at = (p: number | undefined) => (p === undefined ? 'off' : `${e.SWITCHOVER_METRICS_HOST}:${p}`);
  return `switchover ${at(e.SWITCHOVER_METRICS_PORT)}, sdk ${at(e.SWITCHOVER_SDK_METRICS_PORT)}`;
}

function tuningOf(e: z.output<typeof envSchema>): WorkerTuning {
  return {
    maxConcurrentActivityTaskExecutions: e.SWITCHOVER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: e.SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentLocalActivityExecutions: e.SWITCHOVER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
    maxCachedWorkflows: e.SWITCHOVER_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivityTaskPolls: e.SWITCHOVER_ACTIVITY_TASK_POLLERS,
    maxConcurrentWorkflowTaskPolls: e.SWITCHOVER_WORKFLOW_TASK_POLLERS,
  };
}

/** The SDK refuses more pollers than slots: say so with the variables' names, at start. */
function tuningProblems(e: z.output<typeof envSchema>): string[] {
  const problems: string[] = [];
  if (e.SWITCHOVER_ACTIVITY_TASK_POLLERS > e.SWITCHOVER_MAX_CONCURRENT_ACTIVITIES)
    problems.push(
      `SWITCHOVER_ACTIVITY_TASK_POLLERS (${e.SWITCHOVER_ACTIVITY_TASK_POLLERS}) must not exceed SWITCHOVER_MAX_CONCURRENT_ACTIVITIES (${e.SWITCHOVER_MAX_CONCURRENT_ACTIVITIES})`,
    );
  if (e.SWITCHOVER_WORKFLOW_TASK_POLLERS > e.SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS)
    problems.push(
      `SWITCHOVER_WORKFLOW_TASK_POLLERS (${e.SWITCHOVER_WORKFLOW_TASK_POLLERS}) must not exceed SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS (${e.SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS})`,
    );
  return problems;
}

function describeTuning(t: WorkerTuning): string {
  return (
    `${t.maxConcurrentActivityTaskExecutions} activity slots, ${t.maxConcurrentWorkflowTaskExecutions} workflow task slots, ${t.maxConcurrentLocalActivityExecutions} local activity slots, ` +
    `cache ${t.maxCachedWorkflows} workflows, pollers ${t.maxConcurrentActivityTaskPolls} activity / ${t.maxConcurrentWorkflowTaskPolls} workflow`
  );
}
