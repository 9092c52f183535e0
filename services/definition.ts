/**
 * What one service (DCS, DWS, DRS, ...) knows about itself, in the form the client, the workflows and the worker
 * read it. Workflow-safe: data and pure functions only (no Node, no axios, no zod until the schema is read), so
 * workflows import it. The runtime half (error codes, headers, API, activities) is services/runtime.ts.
 */
import type { z } from 'zod';

/**
 * Every service's input schema (domain/inputs.ts), required on first use rather than imported: a definition's
 * `schema` is a getter calling this, so zod and the schemas are evaluated only where a schema is read. That matters
 * in the workflow sandbox, where every workflow evaluates the bundle's modules anew and zod was most of their memory
 * and CPU (README, Performance): new runs parse their input in a local activity and never read it; only a run from
 * before PATCHES.validateInLocalActivity re-parses inline on replay (workflows/switchover.ts, `validatedParams`).
 */
export function inputSchemas(): typeof import('../domain/inputs') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
  return require('../domain/inputs');
}

/** A service's four phase activities, by registered name (the worker registers them under these names). */
export interface ServicePhaseNames {
  preflight: string;
  trigger: string;
  await: string;
  verify: string;
}

/** One CLI flag of a service's start command and the workflow input field it fills. */
export interface CliFlag {
  /** The input field, e.g. `instanceId`. */
  field: string;
  type: 'string' | 'boolean';
  /** A number of seconds: `300` and `300s` both give 300. */
  seconds?: boolean;
  /** Placeholder in the usage text, e.g. `<instance_id>` or `sync|async`. */
  value?: string;
  /** Shown without brackets in the usage text (the schema enforces it). */
  required?: boolean;
}

/** How the region table finds the service's endpoint (worker/regions.ts). */
export interface ServiceEndpointRules {
  /** Open Telekom Cloud regions offering the service; omitted: every OTC region. */
  otcRegions?: readonly string[];
  /**
   * Not in the Open Telekom Cloud API reference: an OTC endpoint is derived only when the worker opts in
   * (SWITCHOVER_OTC_<KIND>=enabled), else SWITCHOVER_<KIND>_ENDPOINT must be set.
   */
  otcOptIn?: boolean;
  /** In Huawei Cloud's European site region the service answers on `.myhuaweicloud.eu`, not `.com`. */
  huaweiEuSite: boolean;
  /** Huawei Cloud regions where the service answers on another domain than `myhuaweicloud.com`. */
  huaweiDomains?: Readonly<Record<string, string>>;
}

export interface ServiceDefinition<K extends string = string, S extends z.ZodType = z.ZodType> {
  /** Short name: CLI command, workflow ID prefix, `SwitchoverKind` search attribute, endpoint variable. */
  kind: K;
  /** Workflow type name, as runbooks and the plain `temporal` CLI start it. */
  workflowType: string;
  /** Human name of the service, e.g. `DCS (Redis)`. */
  label: string;
  /** Human name of the resource, e.g. `DCS instance`. */
  resourceLabel: string;
  /**
   * The workflow input (validated by the client and again by the worker before the workflow uses it). A getter
   * (`inputSchemas()`): reading it evaluates zod, so workflow code reads it only for an old run's input, and does not
   * spread a definition.
   */
  readonly schema: S;
  /** The resource the switchover is about (the workflow ID's last part). */
  resourceOf(params: z.output<S>): string;
  /** The service's phase activities. */
  phases: ServicePhaseNames;
  /** The CLI start command's own flags (the common start flags are client/cli.ts's). */
  cli: { flags: Readonly<Record<string, CliFlag>> };
  endpoints: ServiceEndpointRules;
}

/** Checks a definition against the contract while keeping its literal types (kind, workflow type, phase names). */
export function defineService<
  const K extends string,
  const W extends string,
  S extends z.ZodType,
  const P extends ServicePhaseNames,
>(
  definition: ServiceDefinition<K, S> & { workflowType: W; phases: P },
): ServiceDefinition<K, S> & { workflowType: W; phases: P } {
  return definition;
}
