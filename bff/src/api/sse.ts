import type { Request, Response } from 'express';
import type { StreamClient } from '../features/monitoring/stream';

/** A Server-Sent Events response as the stream hubs write to it (monitoring, releases). */
function sseClient(res: Response): StreamClient {
  return {
    write: (chunk) => res.write(chunk),
    onceDrained: (callback) => {
      res.once('drain', callback);
    },
    close: () => res.end(),
  };
}

/**
 * Starts a Server-Sent Events response (headers, the client's reconnect delay) and returns the
 * client the stream hubs write to.
 */
export function openEventStream(req: Request, res: Response): StreamClient {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    connection: 'keep-alive',
    // nginx and some ingress controllers buffer responses unless told not to.
    'x-accel-buffering': 'no',
  });
  res.write('retry: 5000\n\n');
  req.socket.setNoDelay(true);
  return sseClient(res);
}
