import { spawn } from 'node:child_process';

/**
 * Development: the BFF restarts on change (tsx watch) and Vite serves the SPA with hot reload,
 * proxying /api to the BFF.
 */
const bffPort = process.env.PORT ?? '8080';
const children = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'bff/src/cli/start.ts'], {
    stdio: 'inherit',
    env: { ...process.env, PORT: bffPort, MESH_CONSOLE_SKIP_WEB_BUILD: '1' },
  }),
  spawn('npx', ['vite'], { stdio: 'inherit', env: { ...process.env, BFF_PORT: bffPort } }),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children)
  c.on('exit', (code) => {
    stop();
    process.exitCode = code ?? 0;
  });
