/**
 * The plan CLI as a user runs it: `switchover plan run <file> --wait` in a real pseudo-terminal (tmux) redraws one
 * live block in place; piped, it prints plain timestamped lines without escape codes; both write the report as
 * Markdown and JSON. Real dev server, real worker, simulator over HTTP.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSwitchoverTestEnv, uniqueId, type SwitchoverTestEnv } from '../helpers/switchover-env';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const ttyTest = hasTmux || process.env.CI === 'true' ? test : test.skip;
if (!hasTmux) console.warn('tmux not found: the pseudo-terminal test is skipped (CI=true makes it fail)');

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv({ verifySettleMs: 1000 });
});
afterAll(async () => {
  await env?.close();
});

function planFile(): { file: string; name: string; out: string; project: string } {
  const project = uniqueId('proj');
  const ids = Array.from({ length: 4 }, () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({
      projectId: project,
      instanceId,
      swapBehaviour: { initMs: 200, runMs: 1500 },
    });
    return instanceId;
  });
  const name = uniqueId('cli');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-cli-'));
  const file = path.join(dir, 'plan.yaml');
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'defaults:',
      `  projectId: ${project}`,
      '  pollIntervalSeconds: 0.2',
      '  maxPollIntervalSeconds: 0.5',
      'stages:',
      '  - name: first',
      '    steps:',
      `      - { kind: dcs, instanceId: ${ids[0]} }`,
      '  - name: rest',
      '    parallelism: 2',
      '    steps:',
      `      - { kind: dcs, instanceIds: [${ids.slice(1).join(', ')}] }`,
      '',
    ].join('\n'),
  );
  return { file, name, out: path.join(dir, 'reports'), project };
}

const cliEnv = () => ({
  ...process.env,
  TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  TEMPORAL_TASK_QUEUE: env.taskQueue,
  USER: 'alice',
});

function reportFiles(out: string) {
  const files = readdirSync(out).sort();
  expect(files.map((f) => path.extname(f))).toEqual(['.json', '.md']);
  return {
    json: JSON.parse(readFileSync(path.join(out, files[0]!), 'utf8')) as { status: string; steps: unknown[] },
    markdown: readFileSync(path.join(out, files[1]!), 'utf8'),
  };
}

describe('switchover plan run --wait', () => {
  test('piped: plain timestamped lines, no escape codes, the report written as Markdown and JSON', async () => {
    const { file, name, out } = planFile();
    const child = spawn(TSX, ['client/cli.ts', 'plan', 'run', file, '--wait', '--out', out], {
      cwd: ROOT,
      env: cliEnv(),
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).not.toContain('\x1b[');
    const lines = stdout.trim().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^\S+Z stage 1\/2 'first' \(parallelism 1\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\S+Z stage 2\/2 'rest' \(parallelism 2\)$/));
    expect(lines.filter((l) => /Z ▸ started DCS instance/.test(l))).toHaveLength(4);
    expect(lines.filter((l) => /Z ✓ succeeded dcs /.test(l))).toHaveLength(4);
    expect(lines).toContainEqual(expect.stringMatching(/Z plan succeeded: all 4 steps succeeded$/));
    expect(stdout).toContain('PLAN SUCCEEDED: all 4 steps succeeded');
    const report = reportFiles(out);
    expect(report.json).toMatchObject({ status: 'succeeded' });
    expect(report.json.steps).toHaveLength(4);
    expect(report.markdown).toContain(`# Plan ${name}: succeeded`);
    expect(report.markdown).toMatch(/\| 4 \| rest \| dcs \S+ \| succeeded \| [\d.]+ s \| yes \|/);
  });

  ttyTest('in a pseudo-terminal (tmux): one live block redrawn in place, with running steps', async () => {
    const { file, name, out } = planFile();
    const session = uniqueId('plan-tty').replace(/[^A-Za-z0-9-]/g, '-');
    const vars = cliEnv();
    const command = [
      `cd ${ROOT}`,
      `export TEMPORAL_ADDRESS=${vars.TEMPORAL_ADDRESS} TEMPORAL_TASK_QUEUE=${vars.TEMPORAL_TASK_QUEUE} USER=alice`,
      `${TSX} client/cli.ts plan run ${file} --wait --out ${out}; echo EXIT=$?; sleep 120`,
    ].join('; ');
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '150', '-y', '50', command]);
    const screen = () => execFileSync('tmux', ['capture-pane', '-p', '-t', session]).toString();
    try {
      let sawRunning = '';
      let final = '';
      for (let i = 0; i < 300; i++) {
        const text = screen();
        if (/RUNNING/.test(text) && /▸ DCS instance/.test(text)) sawRunning = text;
        if (/EXIT=\d/.test(text)) {
          final = text;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      // While running: the block shows the stage, counts and the running steps with their phase.
      expect(sawRunning).toMatch(new RegExp(`Plan ${name}  RUNNING  stage \\d/2`));
      expect(sawRunning).toMatch(/running \(\d\):/);
      expect(sawRunning.match(/^Plan /gm)).toHaveLength(1);
      // At the end: still exactly one block on screen (redrawn, never appended), and the outcome.
      expect(final).toContain('EXIT=0');
      expect(final.match(/^Plan /gm)).toHaveLength(1);
      expect(final).toMatch(new RegExp(`Plan ${name}  SUCCEEDED`));
      expect(final).toContain('steps 4/4 done: succeeded 4');
      expect(final).toContain('PLAN SUCCEEDED: all 4 steps succeeded');
      expect(reportFiles(out).json).toMatchObject({ status: 'succeeded' });
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });

  test('a single switchover with --wait, piped: a line per phase change, then the outcome', async () => {
    const project = uniqueId('proj');
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({
      projectId: project,
      instanceId,
      swapBehaviour: { initMs: 500, runMs: 2500 },
    });
    const child = spawn(
      TSX,
      [
        'client/cli.ts',
        'dcs',
        '--project',
        project,
        '--instance',
        instanceId,
        '--poll-interval',
        '0.2',
        '--wait',
      ],
      { cwd: ROOT, env: cliEnv() },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).not.toContain('\x1b[');
    expect(stdout).toMatch(new RegExp(`^\\S+Z dcs:${project}:${instanceId}: await, job \\w+`, 'm'));
    expect(stdout).toContain(`SUCCEEDED: switchover of DCS instance ${instanceId} succeeded`);
  });
});
