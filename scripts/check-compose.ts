/**
 * Project-specific checks of docker-compose.yml, on the resolved project that scripts/compose-check
 * (compose-go) printed as JSON, and of the Dockerfile. Run by scripts/check-compose.sh:
 *
 *   tsx scripts/check-compose.ts <project.json> <Dockerfile>
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../domain/search-attributes';
import { loadWorkerConfig } from '../worker/config';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  ports?: { target: number; published?: string }[];
}

interface ComposeProject {
  services: Record<string, ComposeService>;
}

const ROOT = path.resolve(__dirname, '..');
const REQUIRED_SERVICES = [
  'postgresql',
  'temporal',
  'temporal-admin-tools',
  'temporal-ui',
  'simulator',
  'worker',
];
const APP_IMAGE = 'switchover:local';

export function checkCompose(project: ComposeProject, dockerfile: string): string[] {
  const problems: string[] = [];
  const services = project.services ?? {};
  const service = (name: string): ComposeService => services[name] ?? {};

  for (const name of REQUIRED_SERVICES) {
    if (!services[name]) problems.push(`service ${name} is missing`);
  }

  for (const [name, s] of Object.entries(services)) {
    if (!s.image) {
      problems.push(`service ${name} has no image name`);
      continue;
    }
    if (s.image === APP_IMAGE) continue;
    const tag = /:([^/:@]+)$/.exec(s.image)?.[1];
    if (!tag || tag === 'latest')
      problems.push(`service ${name}: image ${s.image} is not pinned to a version tag`);
  }
  if (!Object.values(services).some((s) => s.image === APP_IMAGE && s.build)) {
    problems.push(`no service builds ${APP_IMAGE} from the Dockerfile`);
  }
  if (service('temporal').image?.startsWith('temporalio/auto-setup:') !== true) {
    problems.push('service temporal must run temporalio/auto-setup');
  }
  if (service('temporal').environment?.DB !== 'postgres12')
    problems.push('service temporal must use PostgreSQL (DB=postgres12)');

  // Search attributes: exactly the ones the workflows upsert, all Keyword.
  const admin = service('temporal-admin-tools');
  const registered = (admin.environment?.SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean).sort();
  const expected = SEARCH_ATTRIBUTE_REGISTRATIONS.map((a) => a.name).sort();
  if (registered.join(',') !== expected.join(',')) {
    problems.push(
      `temporal-admin-tools registers [${registered.join(', ')}], domain/search-attributes.ts defines [${expected.join(', ')}]`,
    );
  }
  if (
    SEARCH_ATTRIBUTE_REGISTRATIONS.some((a) => a.type !== 'Keyword') ||
    !(admin.command ?? []).join(' ').includes('--type Keyword')
  ) {
    problems.push('temporal-admin-tools must register the search attributes with --type Keyword');
  }

  // The worker: waits for the search attributes, and its default environment is a valid configuration
  // pointed at the simulator service with the simulator's token.
  const worker = service('worker');
  if (worker.depends_on?.['temporal-admin-tools']?.condition !== 'service_completed_successfully') {
    problems.push('worker must wait for temporal-admin-tools to complete successfully');
  }
  const workerEnv = Object.fromEntries(
    Object.entries(worker.environment ?? {}).filter((entry): entry is [string, string] => entry[1] !== null),
  );
  try {
    // The bundle lives in the image; here only the configuration around it is checked.
    const config = loadWorkerConfig({ ...workerEnv, SWITCHOVER_WORKFLOW_BUNDLE: undefined });
    const simulatorPort = service('simulator').environment?.SIMULATOR_PORT ?? '9090';
    const simulatorUrl = `http://simulator:${simulatorPort}`;
    if (config.cloud !== 'simulator')
      problems.push(`worker defaults to cloud ${config.cloud}, not the simulator`);
    for (const [api, endpoint] of Object.entries(config.endpoints)) {
      if (endpoint !== simulatorUrl)
        problems.push(`worker's default ${api} endpoint is ${endpoint}, not ${simulatorUrl}`);
    }
    if (workerEnv.SWITCHOVER_AUTH_TOKEN !== 'sim-token')
      problems.push('worker must default to SWITCHOVER_AUTH_TOKEN=sim-token');
    if (config.temporal.address !== 'temporal:7233')
      problems.push(`worker's default Temporal address is ${config.temporal.address}`);
  } catch (error) {
    problems.push(`worker's default environment is not a valid configuration: ${(error as Error).message}`);
  }

  // Commands of the app image name compiled files whose sources exist.
  for (const [name, s] of Object.entries(services)) {
    if (s.image !== APP_IMAGE) continue;
    for (const arg of s.command ?? []) problems.push(...checkDistPath(`service ${name}`, arg));
  }

  problems.push(...checkDockerfile(dockerfile));
  return problems;
}

/** `dist/x/y.js` is what `npm run build` makes of `x/y.ts`. */
function checkDistPath(where: string, arg: string): string[] {
  const m = /^dist\/(.+)\.js$/.exec(arg);
  if (!m) return [];
  return existsSync(path.join(ROOT, `${m[1]}.ts`))
    ? []
    : [`${where} runs ${arg}, but ${m[1]}.ts does not exist`];
}

function checkDockerfile(file: string): string[] {
  if (!existsSync(file)) return [`${file} is missing`];
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  const stages = [...text.matchAll(/^FROM\s+\S+(?:\s+AS\s+(\S+))?/gim)].map((m) => m[1]);
  if (stages.length < 2) problems.push('Dockerfile must be multi-stage (build and runtime)');
  if (!/^RUN\s+npm ci\b/m.test(text)) problems.push('Dockerfile build stage must run npm ci');
  if (!/npm run build/.test(text)) problems.push('Dockerfile build stage must run npm run build');
  const bundle = /build-workflow-bundle\.js\s+(\S+)/.exec(text)?.[1];
  if (!bundle)
    problems.push('Dockerfile must prebuild the workflow bundle with scripts/build-workflow-bundle');
  const bundleEnv = /SWITCHOVER_WORKFLOW_BUNDLE=(\S+)/.exec(text)?.[1];
  if (!bundleEnv) problems.push('Dockerfile runtime must set SWITCHOVER_WORKFLOW_BUNDLE');
  else if (bundle && bundleEnv !== `/app/${bundle}`) {
    problems.push(
      `Dockerfile builds the bundle at /app/${bundle} but SWITCHOVER_WORKFLOW_BUNDLE=${bundleEnv}`,
    );
  }
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(text)?.[1];
  if (!cmd) problems.push('Dockerfile needs an exec-form CMD');
  else for (const arg of JSON.parse(cmd) as string[]) problems.push(...checkDistPath('Dockerfile CMD', arg));
  return problems;
}

if (require.main === module) {
  const [projectFile, dockerfile] = process.argv.slice(2);
  if (!projectFile || !dockerfile) {
    console.error('usage: tsx scripts/check-compose.ts <project.json> <Dockerfile>');
    process.exit(2);
  }
  const project = JSON.parse(readFileSync(projectFile, 'utf8')) as ComposeProject;
  const problems = checkCompose(project, dockerfile);
  if (problems.length > 0) {
    console.error(
      `docker-compose.yml / Dockerfile: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(
    `compose check OK: ${Object.keys(project.services).length} services valid per the Compose specification; ` +
      'images pinned, search attributes match the domain, worker defaults valid and pointed at the simulator, Dockerfile consistent',
  );
}
