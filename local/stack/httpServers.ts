// What the local stack's HTTP servers (the API, the AWS endpoint, the bench's DynamoDB proxies) share: listening on
// 127.0.0.1 only, with a port in use said plainly, and stopping without waiting for idle keep-alive connections.
import type { Server } from 'node:http';

/**
 * Listens on `host`:`port` (0: a free port) and answers the port it got. `inUse`, when given, is the message for
 * a port already taken (it should say which flag picks another).
 */
export async function listenOn(server: Server, port: number, host: string, inUse?: string): Promise<number> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' && inUse ? new Error(inUse) : error));
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** Stops accepting and closes every connection, idle keep-alive ones included. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((resolveClose) => {
    server.close(() => resolveClose());
    server.closeAllConnections();
  });
}
