#!/usr/bin/env node
/**
 * `npm start`: runs the built backend and frontend together on this machine, waits until both
 * answer, prints the URL to open (and the admin token the backend generated), forwards Ctrl+C /
 * SIGTERM to both, and stops everything if either one dies.
 *
 * Honours BACKEND_PORT (8000), FRONTEND_PORT (3000) and DATA_DIR, so two copies can run side by side.
 * LOCAL_SIGNIN=true (or `npm start -- --sign-in`) turns sign-in on for testing: the frontend plays the
 * load balancer with a key pair it makes at start, and the backend verifies its tokens from the
 * frontend's key endpoint, exactly as it verifies the ALB's in AWS.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BACKEND_ENTRY = path.join(ROOT, 'backend/dist/main.js');
const FRONTEND_ENTRY = path.join(ROOT, 'frontend/dist/server/main.js');
const FRONTEND_BUNDLE = path.join(ROOT, 'frontend/dist/public/app.js');
const READY_TIMEOUT_MS = 180_000;
const LOCAL_SIGN_IN = path.join(ROOT, 'frontend/dist/server/local-sign-in.js');

const children = new Map();
let stopping = false;

function say(message) {
  process.stdout.write(`[start-local] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[start-local] ${message}\n`);
  stopAll('SIGTERM', 1);
}

function port(variable, fallback) {
  const raw = process.env[variable]?.trim() || fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) {
    process.stderr.write(`[start-local] ${variable}: expected a port number from 0 to 65535, got "${raw}"\n`);
    process.exit(2);
  }
  return raw;
}

function parseLine(line) {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a service with its output shown line by line; resolves with its `listening` log line. */
function startService(name, entry, env, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    // Own process group: Ctrl+C reaches the services once, through stopAll, and they shut down cleanly.
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.set(name, child);
    const show = (stream, output) =>
      createInterface({ input: stream }).on('line', (line) => {
        output.write(`[${name}] ${line}\n`);
        const record = parseLine(line);
        if (record === undefined) return;
        onLine(record);
        if (record.msg === 'listening' && typeof record.url === 'string')
          resolve({ url: record.url, pid: child.pid });
      });
    show(child.stdout, process.stdout);
    show(child.stderr, process.stderr);
    child.once('exit', (code, signal) => {
      children.delete(name);
      const how = signal === null ? `code ${code}` : `signal ${signal}`;
      reject(new Error(`${name} exited (${how}) before it was listening`));
      if (!stopping) fail(`${name} exited (${how}); stopping the rest`);
      else if (children.size === 0) process.exit(process.exitCode ?? 0);
    });
  });
}

function stopAll(signal, exitCode) {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  if (children.size === 0) process.exit(exitCode);
  for (const child of children.values()) child.kill(signal);
}

async function waitUntilOk(url) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !stopping) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer with 200 within ${READY_TIMEOUT_MS / 1000} s`);
}

async function main() {
  for (const file of [BACKEND_ENTRY, FRONTEND_ENTRY, FRONTEND_BUNDLE]) {
    if (!existsSync(file)) {
      process.stderr.write(
        `[start-local] ${path.relative(ROOT, file)} is missing: run \`npm run build\` first\n`,
      );
      process.exit(1);
    }
  }
  const backendPort = port('BACKEND_PORT', '8000');
  const frontendPort = port('FRONTEND_PORT', '3000');
  const signIn = await localSignInEnv(frontendPort);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal, 0));
  // Never leave a service running behind an exiting launcher.
  process.on('exit', () => {
    for (const child of children.values()) child.kill('SIGKILL');
  });

  let adminTokenLine;
  const backend = await startService(
    'backend',
    BACKEND_ENTRY,
    { BACKEND_PORT: backendPort, BACKEND_HOST: process.env.BACKEND_HOST ?? '127.0.0.1', ...signIn.backend },
    (record) => {
      if (typeof record.adminToken === 'string')
        adminTokenLine = `admin token (generated for this run): ${record.adminToken}`;
    },
  );
  await waitUntilOk(`${backend.url}/ready`);
  const frontend = await startService('frontend', FRONTEND_ENTRY, {
    FRONTEND_PORT: frontendPort,
    FRONTEND_HOST: process.env.FRONTEND_HOST ?? '127.0.0.1',
    BACKEND_URL: backend.url,
    ...signIn.frontend,
  });
  await waitUntilOk(new URL('health', frontend.url).href);

  say(`backend (pid ${backend.pid}) ready at ${backend.url}`);
  say(`frontend (pid ${frontend.pid}) ready at ${frontend.url}`);
  if (adminTokenLine !== undefined) say(adminTokenLine);
  else if (process.env.ADMIN_TOKEN) say('admin token: the ADMIN_TOKEN you set');
  say(
    signIn.on
      ? 'local sign-in is on (testing only): the page asks who you are; members of ragchat-admins manage documents'
      : 'no sign-in (local mode): anyone who can open the page can use it',
  );
  say(`ragchat is ready: open ${frontend.url}`);
  say('press Ctrl+C to stop both');
}

/** The environment both services need for local sign-in, or nothing when it is off. */
async function localSignInEnv(frontendPort) {
  const wanted =
    process.argv.includes('--sign-in') || /^(1|true)$/i.test(process.env.LOCAL_SIGNIN?.trim() ?? '');
  if (!wanted) return { on: false, backend: {}, frontend: {} };
  if (frontendPort === '0') {
    process.stderr.write(
      '[start-local] local sign-in needs a fixed FRONTEND_PORT: the backend fetches keys from it\n',
    );
    process.exit(2);
  }
  const { LOCAL_ALB_ARN, LOCAL_KEYS_PATH } = await import(LOCAL_SIGN_IN);
  return {
    on: true,
    backend: {
      SIGNIN_MODE: 'alb',
      SIGNIN_ALB_ARN: LOCAL_ALB_ARN,
      SIGNIN_KEY_ENDPOINT: `http://127.0.0.1:${frontendPort}${LOCAL_KEYS_PATH}`,
    },
    frontend: { SIGNIN_MODE: 'local' },
  };
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
