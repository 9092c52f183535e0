/**
 * Small helpers for tests that talk to a running simulator over real HTTP (global fetch, Node 20+).
 */

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when empty. */
  body: T;
  text: string;
}

export async function call<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== null) headers['X-Auth-Token'] = options.token ?? 'sim-token';
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until `condition` holds (checked every `intervalMs`), or throws after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  intervalMs = 20,
): Promise<void> {
  await waitFor(async () => ((await condition()) ? true : undefined), timeoutMs, intervalMs);
}

// ---- fault features for send-moment tests (control API over HTTP) ----

/** Adds a fault (`POST /_sim/faults`); returns its id. */
export async function addFault(baseUrl: string, spec: unknown): Promise<string> {
  const res = await call<{ id: string; error?: string }>(baseUrl, 'POST', '/_sim/faults', { body: spec });
  if (res.status !== 201) throw new Error(`addFault: ${res.status} ${res.text}`);
  return res.body.id;
}

export interface HeldInfo {
  count: number;
  held: Array<{ id: string; at: string; method: string; path: string; service: string; trigger: boolean }>;
}

/** Requests held at the simulator (`hold` fault). */
export async function heldRequests(baseUrl: string): Promise<HeldInfo> {
  return (await call<HeldInfo>(baseUrl, 'GET', '/_sim/held')).body;
}

/** Waits until at least `count` requests are held; returns them. */
export async function waitForHeld(baseUrl: string, count = 1, timeoutMs = 30_000): Promise<HeldInfo> {
  return waitFor(async () => {
    const info = await heldRequests(baseUrl);
    return info.count >= count ? info : undefined;
  }, timeoutMs);
}

/** Releases one held request (`id`) or all: `apply: false` drops it unhandled. */
export async function releaseHeld(
  baseUrl: string,
  options: { id?: string; apply?: boolean } = {},
): Promise<string[]> {
  const res = await call<{ released: string[] }>(baseUrl, 'POST', '/_sim/held/release', { body: options });
  if (res.status !== 200) throw new Error(`releaseHeld: ${res.status} ${res.text}`);
  return res.body.released;
}

export interface AcceptedInfo {
  /** Accepted triggers per resource ID. */
  counts: Record<string, number>;
  accepted: Array<{
    seq: number;
    at: string;
    service: string;
    operation: string;
    projectId: string;
    resourceId: string;
    status: number;
    fault?: string;
  }>;
}

/** Triggers the simulator accepted (applied), apart from requests merely received. */
export async function acceptedTriggers(
  baseUrl: string,
  filter: { service?: string; resourceId?: string; operation?: string } = {},
): Promise<AcceptedInfo> {
  const query = new URLSearchParams(
    Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'),
  ).toString();
  return (await call<AcceptedInfo>(baseUrl, 'GET', `/_sim/accepted${query ? `?${query}` : ''}`)).body;
}

/** How many triggers the simulator accepted for one resource. */
export async function acceptedCount(baseUrl: string, resourceId: string): Promise<number> {
  return (await acceptedTriggers(baseUrl, { resourceId })).accepted.length;
}

/** Sets the cloud's clock offset (ms) on the times it reports and reads. */
export async function setClockOffset(baseUrl: string, offsetMs: number): Promise<void> {
  const res = await call(baseUrl, 'PUT', '/_sim/clock', { body: { offsetMs } });
  if (res.status !== 200) throw new Error(`setClockOffset: ${res.status} ${res.text}`);
}

/**
 * Closes the simulator's listening socket for `ms` (connections refused), then reopens it on the same port.
 * Resolves once the socket is closed (the control API is unreachable until it reopens).
 */
export async function refuseConnections(baseUrl: string, ms: number): Promise<void> {
  const res = await call(baseUrl, 'POST', '/_sim/refuse-connections', { body: { ms } });
  if (res.status !== 202) throw new Error(`refuseConnections: ${res.status} ${res.text}`);
  await waitFor(
    async () => {
      try {
        await fetch(`${baseUrl}/_sim/health`);
        return undefined;
      } catch {
        return true;
      }
    },
    5000,
    10,
  );
}
