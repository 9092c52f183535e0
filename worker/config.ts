import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../domain/kinds';
import { iamPasswordAuth, staticTokenAuth, type CloudAuth } from '../activities/http/auth';

/** The embedded default cloud: the simulator as `npm start` and `npm run simulator` run it. */
export const DEFAULT_SIMULATOR_URL = 'http://127.0.0.1:9090';

const url = (name: string) =>
  z
    .string()
    .url({ message: `${name} must be an absolute http(s) URL` })
    .refine((value) => /^https?:\/\//.test(value), { message: `${name} must use http or https` });

const envSchema = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
    SWITCHOVER_DCS_ENDPOINT: url('SWITCHOVER_DCS_ENDPOINT').default(DEFAULT_SIMULATOR_URL),
    SWITCHOVER_DWS_ENDPOINT: url('SWITCHOVER_DWS_ENDPOINT').default(DEFAULT_SIMULATOR_URL),
    SWITCHOVER_DRS_ENDPOINT: url('SWITCHOVER_DRS_ENDPOINT').default(DEFAULT_SIMULATOR_URL),
    SWITCHOVER_IAM_ENDPOINT: url('SWITCHOVER_IAM_ENDPOINT').default(DEFAULT_SIMULATOR_URL),
    SWITCHOVER_AUTH_TOKEN: z.string().min(1).optional(),
    SWITCHOVER_IAM_USER: z.string().min(1).optional(),
    SWITCHOVER_IAM_PASSWORD: z.string().min(1).optional(),
    SWITCHOVER_IAM_DOMAIN: z.string().min(1).optional(),
    SWITCHOVER_IAM_PROJECT_ID: z.string().min(1).optional(),
    SWITCHOVER_REQUEST_TIMEOUT_MS: z.coerce
      .number()
      .int({ message: 'SWITCHOVER_REQUEST_TIMEOUT_MS must be a whole number of milliseconds' })
      .min(100, { message: 'SWITCHOVER_REQUEST_TIMEOUT_MS must be at least 100' })
      .default(15_000),
    SWITCHOVER_AUDIT_FILE: z.string().min(1).default(path.join('.data', 'audit.jsonl')),
  })
  .superRefine((env, ctx) => {
    const iam = [env.SWITCHOVER_IAM_USER, env.SWITCHOVER_IAM_PASSWORD, env.SWITCHOVER_IAM_DOMAIN];
    const iamGiven = iam.filter(Boolean).length;
    if (env.SWITCHOVER_AUTH_TOKEN && iamGiven) {
      ctx.addIssue({ code: 'custom', path: ['SWITCHOVER_AUTH_TOKEN'], message: 'set either SWITCHOVER_AUTH_TOKEN or the SWITCHOVER_IAM_* variables, not both' });
    } else if (!env.SWITCHOVER_AUTH_TOKEN && iamGiven === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['SWITCHOVER_AUTH_TOKEN'],
        message: 'no cloud credentials: set SWITCHOVER_AUTH_TOKEN, or SWITCHOVER_IAM_USER, SWITCHOVER_IAM_PASSWORD and SWITCHOVER_IAM_DOMAIN (the simulator accepts the token sim-token)',
      });
    } else if (!env.SWITCHOVER_AUTH_TOKEN && iamGiven < 3) {
      ctx.addIssue({ code: 'custom', path: ['SWITCHOVER_IAM_USER'], message: 'IAM password auth needs all of SWITCHOVER_IAM_USER, SWITCHOVER_IAM_PASSWORD and SWITCHOVER_IAM_DOMAIN' });
    }
  });

export interface WorkerConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  endpoints: { dcs: string; dws: string; drs: string; iam: string };
  requestTimeoutMs: number;
  auditFile: string;
  /** Builds the credential provider; secrets stay inside it, never in this object's description. */
  auth: () => CloudAuth;
  /** What the worker logs about itself: no secrets. */
  describe: () => string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the worker's configuration; a bad value is a clear error naming the variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n  ');
    throw new ConfigError(`invalid worker configuration:\n  ${problems}`);
  }
  const e = parsed.data;
  const endpoints = {
    dcs: e.SWITCHOVER_DCS_ENDPOINT,
    dws: e.SWITCHOVER_DWS_ENDPOINT,
    drs: e.SWITCHOVER_DRS_ENDPOINT,
    iam: e.SWITCHOVER_IAM_ENDPOINT,
  };
  const auth = (): CloudAuth =>
    e.SWITCHOVER_AUTH_TOKEN
      ? staticTokenAuth(e.SWITCHOVER_AUTH_TOKEN)
      : iamPasswordAuth({
          iamEndpoint: endpoints.iam,
          userName: e.SWITCHOVER_IAM_USER!,
          password: e.SWITCHOVER_IAM_PASSWORD!,
          domainName: e.SWITCHOVER_IAM_DOMAIN!,
          projectId: e.SWITCHOVER_IAM_PROJECT_ID,
          timeoutMs: e.SWITCHOVER_REQUEST_TIMEOUT_MS,
        });
  const authMode = e.SWITCHOVER_AUTH_TOKEN ? 'static token' : `IAM password (user ${e.SWITCHOVER_IAM_USER})`;
  return {
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    endpoints,
    requestTimeoutMs: e.SWITCHOVER_REQUEST_TIMEOUT_MS,
    auditFile: e.SWITCHOVER_AUDIT_FILE,
    auth,
    describe: () =>
      [
        `temporal ${e.TEMPORAL_ADDRESS} namespace ${e.TEMPORAL_NAMESPACE} task queue ${e.TEMPORAL_TASK_QUEUE}`,
        `endpoints dcs=${endpoints.dcs} dws=${endpoints.dws} drs=${endpoints.drs} iam=${endpoints.iam}`,
        `auth ${authMode}`,
        `audit file ${e.SWITCHOVER_AUDIT_FILE}`,
      ].join('; '),
  };
}
