import { setupServer } from 'msw/node';

/** The network of web tests: each test installs its handlers with `server.use(...)`. */
export const server = setupServer();
