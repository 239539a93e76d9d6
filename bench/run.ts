import { benchCatalog } from './catalog';
import { benchMonitoring } from './monitoring';
import { benchPromotion } from './promotion';
import { benchRouting } from './routing';
import { benchScale } from './scale';
import { benchTopology } from './topology';
import { benchTopologyApi } from './topology/api';
import { benchTraffic } from './traffic';

/**
 * `npm run bench`: every benchmark, printing its figures and whether each goal is met.
 * `npm run bench -- catalog` runs one. `topology-api` (the topology section's API part alone, without
 * the browser's) and `promotion` (a diagnosis of the scale bench's load, DEVELOPERS.md) run only
 * when named.
 */
const sections: Record<string, () => Promise<void>> = {
  catalog: benchCatalog,
  routing: benchRouting,
  monitoring: benchMonitoring,
  topology: benchTopology,
  traffic: benchTraffic,
  scale: benchScale,
  'topology-api': () => benchTopologyApi(),
  promotion: benchPromotion,
};
const onlyWhenNamed = new Set(['topology-api', 'promotion']);

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(sections)) {
  if (only.length > 0 ? !only.includes(name) : onlyWhenNamed.has(name)) continue;
  await run();
}
console.log('');
