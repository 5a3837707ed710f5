/**
 * Starts a test server on a free port and gives back a close() that does not wait
 * for keep-alive clients: every socket it accepted is destroyed first.
 */
import type { AddressInfo, Server, Socket } from 'node:net';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** `connectionEvent`: 'secureConnection' for a TLS server, whose sockets are the TLS ones. */
export async function listenTracked(server: Server, address = '127.0.0.1', connectionEvent: 'connection' | 'secureConnection' = 'connection'): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on(connectionEvent, (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
