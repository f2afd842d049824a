import { connect, createServer, Socket, type Server } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), that a test can cut
 * and restore: a dependency outage without iptables or a second database.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const state: { proxy?: TcpProxy } = {};
    const server = createServer((client) => {
      const proxy = state.proxy;
      if (!proxy || proxy.cutOff) return client.destroy();
      const upstream = connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return state.proxy;
  }

  /** Drops every open connection and refuses new ones until restored. */
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * A kafkajs socket factory whose connections a test can cut: the broker stays up for
 * everyone else while this client sees an outage (a proxy would not do for Kafka, whose
 * metadata sends clients to the advertised address).
 */
export class CuttableKafkaSockets {
  private readonly sockets = new Set<Socket>();
  private cutOff = false;

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    if (this.cutOff) {
      const refused = new Socket();
      process.nextTick(() => refused.destroy(Object.assign(new Error(`connect ECONNREFUSED ${host}:${port} (cut by the test)`), { code: 'ECONNREFUSED' })));
      return refused;
    }
    const socket = connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  };

  /** Resets every open connection (as a dying broker or network would) and refuses new ones. */
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy(Object.assign(new Error('read ECONNRESET (cut by the test)'), { code: 'ECONNRESET' }));
  }

  restore(): void {
    this.cutOff = false;
  }
}
