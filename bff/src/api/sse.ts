import type { Response } from 'express';
import type { StreamClient } from '../features/monitoring/stream';

/** A Server-Sent Events response as the stream hubs write to it (monitoring, releases). */
export function sseClient(res: Response): StreamClient {
  return {
    write: (chunk) => res.write(chunk),
    onceDrained: (callback) => {
      res.once('drain', callback);
    },
    close: () => res.end(),
  };
}
