// A loopback TCP proxy in front of sshd that the test can use to cut connections at a chosen moment
// (after a number of bytes from the client), to break a transfer in the middle.

import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Cuts every connection once `bytes` more bytes have come from the client side. */
  cutAfterUpstreamBytes(bytes: number): void;
  cuts: number;
  /** Connections accepted so far. */
  connections: number;
  /** While frozen, bytes are swallowed in both directions but sockets stay open (a silent network). */
  freeze(frozen: boolean): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let budget: number | null = null;
  let frozen = false;
  const proxy: TcpProxy = {
    port: 0,
    cuts: 0,
    connections: 0,
    freeze(value) {
      frozen = value;
    },
    cutAfterUpstreamBytes(bytes) {
      budget = bytes;
    },
    async close() {
      for (const [a, b] of pairs) { a.destroy(); b.destroy(); }
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer((client) => {
    proxy.connections += 1;
    const upstream = connect(targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.on("data", (data: Buffer) => {
      if (frozen) return;
      if (budget !== null) {
        budget -= data.length;
        if (budget <= 0) {
          budget = null;
          proxy.cuts += 1;
          for (const [a, b] of [...pairs]) { a.destroy(); b.destroy(); }
          pairs.clear();
          return;
        }
      }
      upstream.write(data);
    });
    upstream.on("data", (data: Buffer) => {
      if (!frozen) client.write(data);
    });
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy.port = (server.address() as { port: number }).port;
  return proxy;
}
