import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Gateway } from './server.js';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle connections. */
  stop(graceMs?: number): Promise<void>;
}

export async function listen(gateway: Gateway, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const server = createServer(gateway.listener);
  server.on('upgrade', gateway.upgrade);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: actualPort,
    url: `http://localhost:${actualPort}`,
    async stop(graceMs = 10_000) {
      // Live subscriptions never finish on their own: they end first (clients are told, and reconnect elsewhere).
      await gateway.endLiveUpdates();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
