import fs from 'node:fs';

/** Removes the run's embedded control-plane data (created in playwright.config.ts). */
export default function globalTeardown(): void {
  const dir = process.env.MESH_CONSOLE_E2E_DATA_DIR;
  if (!dir || !dir.includes('mesh-console-e2e-')) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    console.warn(`Could not remove ${dir}:`, err);
  }
}
