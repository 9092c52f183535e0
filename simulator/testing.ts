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
