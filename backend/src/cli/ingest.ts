import { runIngest } from './run-ingest';

runIngest({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.env.INIT_CWD ?? process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('ingest: unexpected failure', error);
    process.exitCode = 1;
  },
);
