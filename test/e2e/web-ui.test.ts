/**
 * The Temporal Web UI as an on-call engineer uses it: find a finished switchover by its search attributes,
 * open it, read what it was (summary) and how it ended (result or failure), in a real browser.
 *
 * The run's shared dev server is headless, so this file starts its own dev server with the UI (free ports),
 * plus the simulator and a worker on it. The browser is Debian's Chromium driven by playwright-core
 * (`bash scripts/install-chromium.sh` installs it). Without it the tests are skipped with a message, except
 * under CI, where a missing browser fails the run.
 *
 * Screenshots go to test-artifacts/web-ui/ (gitignored), for a person to look at what the UI shows.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDevServer, type DevServerHandle } from '../../scripts/dev-server';
import type { SwitchoverOutcome } from '../../client';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'web-ui');
/** The UI is a single-page app on a 2-core machine: waits are generous, they end as soon as the text is there. */
const UI_WAIT_MS = 60_000;
const VISIBILITY_WAIT_MS = 30_000;
/** One test: a visibility wait and a handful of UI waits, each bounded above. */
const TEST_TIMEOUT_MS = 240_000;
const REASON = 'planned maintenance window';

function chromiumInstalled(): boolean {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
const inCi = !!process.env.CI && !/^(0|false|no)$/i.test(process.env.CI);
const missingBrowser = `no Chromium at ${CHROMIUM}: install it with 'sudo bash scripts/install-chromium.sh' (or set CHROMIUM_PATH)`;
const haveBrowser = chromiumInstalled();

if (!haveBrowser && inCi) {
  test('Chromium is installed for the Web UI tests (required under CI)', () => {
    throw new Error(missingBrowser);
  });
} else if (!haveBrowser) {
  console.warn(`skipping the Web UI tests: ${missingBrowser}`);
}

(haveBrowser ? describe : describe.skip)('Temporal Web UI for on-call engineers', () => {
  let server: DevServerHandle | undefined;
  let env: SwitchoverTestEnv | undefined;
  let browser: BrowserContext | undefined;
  let profileDir: string | undefined;
  let succeeded: SwitchoverOutcome;
  let failed: SwitchoverOutcome;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    server = await startDevServer({ port: 0, uiPort: 0, headless: false });
    env = await createSwitchoverTestEnv({ temporal: server });

    const healthy = uniqueId('redis-ui-ok');
    const failing = uniqueId('redis-ui-fail');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId: healthy });
    env.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId: failing,
      swapBehaviour: { initMs: 100, runMs: 300, result: 'FAIL', failReason: 'standby node not ready' },
    });
    const common = { projectId: PROJECT, reason: REASON, requestedBy: 'oncall-test', ...FAST };
    [succeeded, failed] = await Promise.all([
      env.run('dcs', { ...common, instanceId: healthy }),
      env.run('dcs', { ...common, instanceId: failing }),
    ]);
    expect([succeeded.status, failed.status]).toEqual(['succeeded', 'failed']);

    profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchover-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 1800 },
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await env?.close();
    await server?.stop();
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  });

  /** Waits until visibility lists the run for `query`, so the UI's list is not asked too early. */
  async function waitUntilListed(query: string, workflowId: string): Promise<void> {
    const until = Date.now() + VISIBILITY_WAIT_MS;
    for (;;) {
      const ids: string[] = [];
      for await (const execution of env!.client.workflow.list({ query })) ids.push(execution.workflowId);
      if (ids.includes(workflowId)) return;
      if (Date.now() > until) throw new Error(`visibility did not list ${workflowId} for ${query}: ${ids}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /**
   * Waits for `text` anywhere on the page, its frames included: the UI renders markdown (summary, details,
   * current details) in sandboxed iframes. On timeout keeps a screenshot of what was shown instead.
   */
  async function expectShown(page: Page, text: string | RegExp, screenshotName: string): Promise<void> {
    const wanted = (shown: string) =>
      typeof text === 'string' ? shown.toLowerCase().includes(text.toLowerCase()) : text.test(shown);
    const until = Date.now() + UI_WAIT_MS;
    for (;;) {
      for (const frame of page.frames()) {
        const shown = await frame
          .locator('body')
          .innerText({ timeout: 2_000 })
          .catch(() => '');
        if (wanted(shown.replace(/\s+/g, ' '))) return;
      }
      if (Date.now() > until) {
        await screenshot(page, `${screenshotName}-missing`).catch(() => undefined);
        throw new Error(`the UI did not show ${String(text)} within ${UI_WAIT_MS} ms (${page.url()})`);
      }
      await page.waitForTimeout(500);
    }
  }

  /**
   * The on-call path: the workflows list filtered by search attributes (query in the URL), the run's link,
   * its page with the result or failure, and the User Metadata tab with summary and current details.
   */
  async function openFromList(
    outcome: SwitchoverOutcome,
    name: string,
  ): Promise<{ page: Page; summary: string }> {
    const query = `SwitchoverResource="${outcome.resourceId}" AND SwitchoverOutcome="${outcome.status}"`;
    await waitUntilListed(query, outcome.workflowId);
    const page = await browser!.newPage();
    await page.goto(
      `${server!.uiUrl}/namespaces/${server!.namespace}/workflows?query=${encodeURIComponent(query)}`,
    );
    const link = page
      .locator(`a[href*="/workflows/${encodeURIComponent(outcome.workflowId)}/${outcome.runId}"]`)
      .first();
    await link.waitFor({ timeout: UI_WAIT_MS });
    await screenshot(page, `${name}-1-list`);

    await link.click();
    await page.waitForURL(/\/workflows\/[^/]+\/[^/]+\/(timeline|history)/, { timeout: UI_WAIT_MS });
    await expectShown(page, outcome.workflowId, `${name}-2-run`);
    // The summary the client set at start (whatever its wording), which the UI must show.
    const description = await env!.client.workflow.getHandle(outcome.workflowId, outcome.runId).describe();
    const summary = await description.staticSummary();
    expect(summary).toContain(outcome.resourceId);
    return { page, summary: summary! };
  }

  async function showUserMetadata(page: Page, name: string, summary: string): Promise<void> {
    await page.getByRole('tab', { name: /User Metadata/ }).click();
    await page.waitForURL(/\/user-metadata/, { timeout: UI_WAIT_MS });
    await expectShown(page, 'Summary', `${name}-3-metadata`);
    await expectShown(page, summary, `${name}-3-metadata`);
    await expectShown(page, 'Current Details', `${name}-3-metadata`);
  }

  test(
    'a succeeded switchover: found by its attributes, its result and summary shown',
    async () => {
      const name = 'succeeded';
      const { page, summary } = await openFromList(succeeded, name);
      await expectShown(page, /completed/i, `${name}-2-run`);
      await expectShown(
        page,
        `switchover of DCS instance ${succeeded.resourceId} succeeded`,
        `${name}-2-run`,
      );
      await screenshot(page, `${name}-2-run`);

      await showUserMetadata(page, name, summary);
      await expectShown(page, /Outcome:\s*succeeded/, `${name}-3-metadata`);
      await screenshot(page, `${name}-3-metadata`);
      await page.close();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a failed switchover: found by its attributes, the failure message and summary shown',
    async () => {
      const name = 'failed';
      const { page, summary } = await openFromList(failed, name);
      await expectShown(page, /failed/i, `${name}-2-run`);
      await expectShown(
        page,
        'the cloud reports the switchover failed: standby node not ready',
        `${name}-2-run`,
      );
      await screenshot(page, `${name}-2-run`);

      await showUserMetadata(page, name, summary);
      await expectShown(page, /Outcome:\s*failed/, `${name}-3-metadata`);
      await screenshot(page, `${name}-3-metadata`);
      await page.close();
    },
    TEST_TIMEOUT_MS,
  );
});
