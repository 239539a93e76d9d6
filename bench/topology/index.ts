import { benchTopologyApi } from './api';
import { benchTopologyBrowser } from './browser';

/** `npm run bench -- topology`: the API's graph building, then drawing in Chromium (G6 vs cytoscape.js). */
export async function benchTopology(): Promise<void> {
  await benchTopologyApi();
  await benchTopologyBrowser();
}
