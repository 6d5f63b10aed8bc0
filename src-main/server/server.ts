import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../api/content-security-policy.ts';
import { EngineError, toEngineErrorData } from '../api/errors.ts';
import { RequestEnvelopeSchema, type EventEnvelope, type ReplyEnvelope } from '../api/contract.ts';
import type { EngineService } from '../engine/service.ts';
import { refusal, requestUrl } from './request-guard.ts';

export interface ServerOptions {
  service: EngineService;
  rendererDir: string;
  port?: number;
  /** Largest accepted WebSocket message, in bytes; a larger one closes the connection (1009). */
  maxMessageBytes?: number;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
const LOOPBACK = '127.0.0.1';

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

/** Headers on every page and asset: the page's CSP, no framing, no sniffing, and no Referer (the page URL holds the token). */
function securityHeaders(port: number): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy({ connect: [`ws://${LOOPBACK}:${port}`, `ws://localhost:${port}`] }),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

/** Loopback-only HTTP + WebSocket host of the engine, guarded by a per-run token and Host/Origin checks. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = randomBytes(24).toString('hex');
  let port = options.port ?? 0;

  const server = createServer((request, response) => {
    serveHttp(request, response).catch(() => {
      if (!response.headersSent) reject(response, 500, 'internal error');
      else response.destroy();
    });
  });

  async function serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // The token protects the page itself; assets it loads carry it in the cookie set here.
    const refused = refusal(request, port, token, true);
    if (refused) return reject(response, refused.status, refused.reason);
    if (request.method !== 'GET') return reject(response, 405, 'method not allowed');
    const url = requestUrl(request, port)!;
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return reject(response, 400, 'bad path encoding');
    }
    if (pathname.includes('\0')) return reject(response, 400, 'bad path');
    const relative = normalize(pathname).replace(/^([/\\])+/, '') || 'index.html';
    const file = join(options.rendererDir, relative);
    if (!file.startsWith(options.rendererDir + sep)) return reject(response, 403, 'path outside the app');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return reject(response, 404, 'not found');
    }
    response.writeHead(200, {
      ...securityHeaders(port),
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'set-cookie': `floodlens_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
    });
    response.end(body);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // The socket URL must carry the token itself: a cookie alone would let any page on an allowed origin in.
    const refused =
      refusal(request, port, token, false) ??
      (requestUrl(request, port)?.pathname === '/ws' ? null : { status: 403 as const, reason: 'not the engine socket' });
    if (refused) {
      const statusText = refused.status === 401 ? 'Unauthorized' : refused.status === 400 ? 'Bad Request' : 'Forbidden';
      socket.end(`HTTP/1.1 ${refused.status} ${statusText}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${refused.reason}\n`);
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
    // An oversize or malformed frame makes ws emit 'error' after it has sent the close frame (1009/1002); without a
    // listener it would throw. ws then drains what the peer still sends and ends the socket (after 30 s at most):
    // destroying it at once reset a browser still sending a 50 MB message before it read the close code (1006).
    ws.on('error', () => undefined);
    ws.on('message', (data: RawData, isBinary: boolean) => void answer(ws, data, isBinary));
  }

  /** One request → one reply; whatever is wrong with it becomes an error reply and the socket stays usable. */
  async function answer(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    let id = -1;
    try {
      if (isBinary) throw new EngineError('bad-message', 'send requests as JSON text frames');
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        throw new EngineError('bad-message', 'the message is not valid JSON');
      }
      const envelope = RequestEnvelopeSchema.safeParse(json);
      if (!envelope.success) throw new EngineError('bad-message', 'a request is {"id": <integer ≥ 0>, "name": <string>, "payload": …}');
      id = envelope.data.id;
      const result = await options.service.handle(envelope.data.name, envelope.data.payload);
      send(ws, { id, ok: true, result });
    } catch (error) {
      send(ws, { id, ok: false, error: toEngineErrorData(error) });
    }
  }

  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, LOOPBACK, () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : port;

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stopEvents();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(ws: WebSocket, reply: ReplyEnvelope): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
}

function reject(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  response.end(message + '\n');
}
