import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** The first byte of a TLS connection (a handshake record). */
const TLS_HANDSHAKE = 0x16;

export interface DualListener {
  listen(host: string, port: number): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * One port that speaks both plain HTTP and HTTPS, told apart by the connection's first byte.
 * HTTPS is for kubectl, which sends a bearer token only over TLS; plain HTTP stays for clients
 * that are given the URL and token directly.
 */
export function createDualListener(
  handler: http.RequestListener,
  tls: { certPem: string; keyPem: string },
  onError: (err: unknown) => void,
): DualListener {
  const plain = http.createServer(handler);
  const secure = https.createServer({ cert: tls.certPem, key: tls.keyPem }, handler);
  const sockets = new Set<Socket>();
  for (const server of [plain, secure]) {
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }
  secure.on('tlsClientError', (err) => onError(err));

  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? secure : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        front.once('error', reject);
        front.listen(port, host, () => {
          front.off('error', reject);
          resolve(front.address() as AddressInfo);
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        plain.closeAllConnections();
        secure.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
