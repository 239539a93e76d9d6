import { setupServer } from 'msw/node';
import { adminSession, sessionHandler } from './session';

/**
 * The network of web tests: each test installs its handlers with `server.use(...)`. The one default
 * is the session (an admin), which every page asks for; `server.use(sessionHandler(...))` changes it.
 */
export const server = setupServer(sessionHandler(adminSession));
