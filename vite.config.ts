/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const bffPort = process.env.BFF_PORT ?? '8080';

// The SPA lives in web/; the build lands in dist/web, which the BFF serves.
export default defineConfig({
  root: 'web',
  publicDir: '../public',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // G6's lazily loaded renderer chunk is about 1.6 MB; the first page's bundle is far below this.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    port: Number(process.env.VITE_PORT ?? 5173),
    proxy: {
      '/api': { target: `http://127.0.0.1:${bffPort}`, changeOrigin: false },
    },
  },
  test: {
    root: '.',
    include: ['bff/**/*.test.ts', 'web/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts', 'deploy/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on a 2-core machine. Most
    // files wait on a control plane or a browser-like DOM more than they compute, so two halve the time.
    maxWorkers: 2,
  },
});
