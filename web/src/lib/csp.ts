import { config } from 'zod/v4/core';

// The console runs under a Content-Security-Policy without 'unsafe-eval'. zod 4 probes whether it
// may compile parsers with `new Function('')`: the probe fails safely, but the browser reports
// every such attempt as a CSP violation. Jitless mode never tries. Imported first by main.tsx, so
// it is set before the routing form (or any other code) parses anything.
config({ jitless: true });
