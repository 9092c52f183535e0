/** The CLI's start commands and usage text, derived from the service modules (no Temporal needed). */
import { parseStartCommand, runCli, usage } from '../../client/cli';
import { SWITCHOVER_DEFINITIONS } from '../../domain/catalog';
import { SWITCHOVER_KINDS } from '../../domain/kinds';

describe('switchover CLI start commands', () => {
  test('every service has a start line in the usage text naming each of its own flags', () => {
    for (const kind of SWITCHOVER_KINDS) {
      const line = usage()
        .split('\n')
        .find((l) => l.startsWith(`  switchover ${kind} `));
      expect(line).toBeDefined();
      for (const flag of Object.keys(SWITCHOVER_DEFINITIONS[kind].cli.flags))
        expect(line).toContain(`--${flag}`);
    }
    expect(usage()).toContain(`--kind ${SWITCHOVER_KINDS.join('|')}`);
    expect(usage().match(/--force/g)).toHaveLength(1);
  });

  test('flags fill the input fields the service module names; seconds accept a trailing s', () => {
    const { input, wait, json } = parseStartCommand(
      'dws',
      ['--project', 'p1', '--dr', 'dr-1', '--mode', 'failover', '--max-data-loss', '600s', '--force'],
      { USER: 'alice' },
    );
    expect(input).toEqual({
      projectId: 'p1',
      disasterRecoveryId: 'dr-1',
      mode: 'failover',
      maxDataLossSeconds: 600,
      force: true,
      requestedBy: 'alice',
    });
    expect({ wait, json }).toEqual({ wait: false, json: false });
    const dcs = parseStartCommand(
      'dcs',
      ['--project', 'p1', '--instance', 'i-1', '--timeout', '90', '--wait'],
      {},
    );
    expect(dcs.input).toEqual({ projectId: 'p1', instanceId: 'i-1', timeoutSeconds: 90 });
    expect(dcs.wait).toBe(true);
  });

  test('a flag of another service is refused: DRS has no --instance, DCS no --mode', () => {
    expect(() => parseStartCommand('drs', ['--project', 'p1', '--instance', 'x'], {})).toThrow(/--instance/);
    expect(() => parseStartCommand('dcs', ['--project', 'p1', '--mode', 'x'], {})).toThrow(/--mode/);
  });

  test('bad input is exit 2 naming the field, before any connection (Temporal address unreachable)', async () => {
    const errors: string[] = [];
    const spy = jest
      .spyOn(console, 'error')
      .mockImplementation((message: string) => void errors.push(message));
    const before = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    try {
      const code = await runCli([
        'dws',
        '--project',
        'p1',
        '--dr',
        'dr-1',
        '--mode',
        'flip',
        '--max-data-loss',
        'x',
      ]);
      expect(code).toBe(2);
      expect(errors.join('\n')).toMatch(/mode: mode must be 'switchover' or 'failover'/);
      expect(errors.join('\n')).toMatch(/maxDataLossSeconds: maxDataLossSeconds must be a number of seconds/);
    } finally {
      process.env.TEMPORAL_ADDRESS = before;
      spy.mockRestore();
    }
  });
});
