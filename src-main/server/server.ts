import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { RequestEnvelopeSchema, type EventEnvelope, type ReplyEnvelope } from '../api/contract.ts';
import type { EngineService } from '../engine/service.ts';

export interface ServerOptions {
  service: EngineService;
  rendererDir: string;
  port?: number;
  /** Largest accepted WebSocket message, in bytes. */
  maxMessageBytes?: number;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

function tokensMatch(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Loopback-only HTTP + WebSocket host of the engine, guarded by a per-run token and Host/Origin checks. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = randomBytes(24).toString('hex');
  const host = '127.0.0.1';
  let port = options.port ?? 0;

  const allowedHost = () => [`${host}:${port}`, `localhost:${port}`];
  const hostIsAllowed = (request: IncomingMessage) => allowedHost().includes(request.headers.host ?? '');
  const originIsAllowed = (request: IncomingMessage) => {
    const origin = request.headers.origin;
    return origin === undefined || allowedHost().some((h) => origin === `http://${h}`);
  };

  const server = createServer((request, response) => void serveHttp(request, response));

  async function serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostIsAllowed(request) || !originIsAllowed(request)) return reject(response, 403, 'forbidden host or origin');
    const url = new URL(request.url ?? '/', `http://${host}:${port}`);
    // The token protects the page itself; assets it loads carry it in a cookie set here.
    const cookieToken = /(?:^|;\s*)floodlens_token=([0-9a-f]+)/.exec(request.headers.cookie ?? '')?.[1] ?? null;
    if (!tokensMatch(token, url.searchParams.get('token')) && !tokensMatch(token, cookieToken)) {
      return reject(response, 401, 'missing or wrong session token');
    }
    if (request.method !== 'GET') return reject(response, 405, 'method not allowed');
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
    const file = join(options.rendererDir, relative);
    if (!file.startsWith(options.rendererDir + sep)) return reject(response, 403, 'path outside the app');
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'set-cookie': `floodlens_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      response.end(body);
    } catch {
      reject(response, 404, 'not found');
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 1 << 20 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://${host}:${port}`);
    if (!hostIsAllowed(request) || !originIsAllowed(request) || url.pathname !== '/ws' || !tokensMatch(token, url.searchParams.get('token'))) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => serveSocket(ws));
  });

  // Engine events (training progress…) go to every socket; only authenticated upgrades ever join wss.clients.
  const stopEvents = options.service.onEvent((event: EventEnvelope) => {
    const message = JSON.stringify(event);
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(message);
  });

  function serveSocket(ws: WebSocket): void {
    ws.on('message', async (data) => {
      let id = -1;
      try {
        const envelope = RequestEnvelopeSchema.parse(JSON.parse(String(data)));
        id = envelope.id;
        const result = await options.service.handle(envelope.name, envelope.payload);
        send(ws, { id, ok: true, result });
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'error';
        send(ws, { id, ok: false, error: { code, message: error instanceof Error ? error.message : String(error) } });
      }
    });
  }

  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : port;

  return {
    url: `http://${host}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stopEvents();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

function send(ws: WebSocket, reply: ReplyEnvelope): void {
  ws.send(JSON.stringify(reply));
}

function reject(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(message + '\n');
}
