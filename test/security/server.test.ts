/**
 * `floodlens serve` refuses everything that is not our page talking to us: each refusal driven with raw
 * HTTP and WebSocket clients on 127.0.0.1 against the in-process server and the real EngineService.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplyEnvelope } from '../../src-main/api/contract.ts';
import { parseContentSecurityPolicy } from '../../src-main/api/content-security-policy.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';

const MAX_MESSAGE = 64 * 1024;

interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', setHost = true): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, setHost }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves with it when open, or with the HTTP status of the refused upgrade. */
function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      res.resume();
    });
    ws.once('error', (error) => reject(error));
  });
}

function nextReply(ws: WebSocket): Promise<ReplyEnvelope> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as ReplyEnvelope)));
}

async function ask(ws: WebSocket, message: string | Buffer): Promise<ReplyEnvelope> {
  const reply = nextReply(ws);
  ws.send(message);
  return reply;
}

describe('server mode refuses what is not our page talking to us', () => {
  let temp: string;
  let rendererDir: string;
  let server: RunningServer;
  let service: EngineService;
  let origin: string;
  let wsUrl: string;

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'floodlens-server-sec-'));
    rendererDir = join(temp, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Floodlens</title>');
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(temp, 'secret.txt'), 'SECRET-OUTSIDE-THE-APP');
    service = new EngineService({
      demoWorkspace: null,
      workspaceDir: join(temp, 'workspace'),
      exportTarget: { kind: 'folder', dir: join(temp, 'exports') },
    });
    server = await startServer({ service, rendererDir, maxMessageBytes: MAX_MESSAGE });
    origin = `http://127.0.0.1:${server.port}`;
    wsUrl = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
  });

  afterAll(async () => {
    await server?.close();
    await service?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  it('listens on loopback only, with a long random token', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!external) return; // no non-loopback interface on this machine: nothing else to try
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: external, port: server.port });
      socket.once('connect', () => (socket.destroy(), resolve('connected')));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(outcome).toBe('ECONNREFUSED');
  });

  it('serves the page with the token, and sets the CSP, no-referrer, no-framing and an HttpOnly cookie', async () => {
    const page = await get(server.port, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Floodlens</title>');
    const csp = parseContentSecurityPolicy(String(page.headers['content-security-policy']));
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['connect-src']).toContain(`ws://127.0.0.1:${server.port}`);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = await get(server.port, '/assets/app.js', { cookie: `floodlens_token=${server.token}` });
    expect(asset.status).toBe(200);
  });

  it('refuses a request without the token, or with a wrong one', async () => {
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, '/?token=' + '0'.repeat(48))).status).toBe(401);
    expect((await get(server.port, '/?token=' + server.token.slice(0, -1))).status).toBe(401);
    expect((await get(server.port, '/assets/app.js', { cookie: 'floodlens_token=deadbeef' })).status).toBe(401);
  });

  it('refuses a DNS-rebinding Host even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
      const result = await get(server.port, `/?token=${server.token}`, { host });
      expect(result.status, host).toBe(403);
      expect(result.body).not.toContain('Floodlens</title>');
    }
    const noHost = await get(server.port, `/?token=${server.token}`, {}, 'GET', false); // Node itself answers 400 (Host is required in HTTP/1.1)
    expect([400, 403]).toContain(noHost.status);
    expect(noHost.body).not.toContain('Floodlens</title>');
  });

  it('refuses a cross-site Origin even with the token', async () => {
    for (const o of ['http://evil.example', 'null', `https://127.0.0.1:${server.port}`, `http://127.0.0.1:${server.port + 1}`]) {
      expect((await get(server.port, `/?token=${server.token}`, { origin: o })).status, o).toBe(403);
    }
    expect((await get(server.port, `/?token=${server.token}`, { origin })).status).toBe(200);
  });

  it('never serves a file outside the renderer folder and survives malformed paths', async () => {
    const auth = { cookie: `floodlens_token=${server.token}` };
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      `/${'../'.repeat(8)}etc/passwd`,
    ]) {
      const result = await get(server.port, path, auth);
      expect([400, 403, 404], path).toContain(result.status);
      expect(result.body).not.toContain('SECRET');
    }
    expect((await get(server.port, '/%E0%A4%A', auth)).status).toBe(400); // malformed escape: a 400, not a crash
    expect((await get(server.port, '/', auth, 'POST')).status).toBe(405);
    expect((await get(server.port, `/?token=${server.token}`)).status).toBe(200); // still serving
  });

  it('refuses WebSocket upgrades without the token in the URL, from a foreign Host or Origin, or on another path', async () => {
    const cases: [string, string, WebSocket.ClientOptions, number][] = [
      ['no token', `ws://127.0.0.1:${server.port}/ws`, {}, 401],
      ['wrong token', `ws://127.0.0.1:${server.port}/ws?token=${'f'.repeat(48)}`, {}, 401],
      ['cookie instead of token', `ws://127.0.0.1:${server.port}/ws`, { headers: { cookie: `floodlens_token=${server.token}` } }, 401],
      ['rebinding Host', wsUrl, { headers: { host: 'evil.example' } }, 403],
      ['foreign Origin', wsUrl, { origin: 'http://evil.example' }, 403],
      ['other path', `ws://127.0.0.1:${server.port}/other?token=${server.token}`, {}, 403],
    ];
    for (const [what, url, options, status] of cases) {
      const outcome = await openSocket(url, options);
      expect('refused' in outcome ? outcome.refused : 'opened', what).toBe(status);
    }
  });

  it('answers bad JSON, bad envelopes, unknown requests and bad payloads with an error reply, and the socket stays usable', async () => {
    const opened = await openSocket(wsUrl, { origin });
    if (!('ws' in opened)) throw new Error(`refused ${opened.refused}`);
    const ws = opened.ws;
    try {
      const badJson = await ask(ws, '{"id": 1, "name": ');
      expect(badJson).toMatchObject({ id: -1, ok: false, error: { code: 'bad-message' } });
      expect(await ask(ws, JSON.stringify({ name: 'engine.info', payload: {} }))).toMatchObject({
        id: -1,
        ok: false,
        error: { code: 'bad-message' },
      });
      expect(await ask(ws, JSON.stringify({ id: -5, name: 'engine.info' }))).toMatchObject({ ok: false, error: { code: 'bad-message' } });
      expect(await ask(ws, Buffer.from(JSON.stringify({ id: 2, name: 'engine.info', payload: {} })))).toMatchObject({
        ok: false,
        error: { code: 'bad-message' },
      }); // binary frame
      expect(await ask(ws, JSON.stringify({ id: 3, name: 'fs.readFile', payload: { path: '/etc/passwd' } }))).toMatchObject({
        id: 3,
        ok: false,
        error: { code: 'unknown-request' },
      });
      expect(await ask(ws, JSON.stringify({ id: 4, name: '__proto__', payload: {} }))).toMatchObject({
        id: 4,
        ok: false,
        error: { code: 'unknown-request' },
      });
      expect(await ask(ws, JSON.stringify({ id: 5, name: 'run.get', payload: { runId: '../../../etc' } }))).toMatchObject({
        id: 5,
        ok: false,
        error: { code: 'invalid-payload' },
      });
      expect(
        await ask(ws, JSON.stringify({ id: 6, name: 'basemaps.set', payload: { layers: ['https://evil.example/{z}/{x}/{y}.png'] } })),
      ).toMatchObject({ id: 6, ok: false, error: { code: 'invalid-payload' } });
      expect(
        await ask(ws, JSON.stringify({ id: 7, name: 'export.masks', payload: { runIds: ['../escape'], chipIds: ['a'], dataDir: '/tmp' } })),
      ).toMatchObject({ id: 7, ok: false, error: { code: 'invalid-payload' } });
      const info = await ask(ws, JSON.stringify({ id: 8, name: 'engine.info', payload: {} }));
      expect(info).toMatchObject({ id: 8, ok: true, result: { exportTarget: 'folder' } });
      // In server mode the browser, not us, reaches tile hosts: the choice is accepted but reported as not enforced.
      expect(await ask(ws, JSON.stringify({ id: 9, name: 'basemaps.set', payload: { layers: ['osm'] } }))).toEqual({
        id: 9,
        ok: true,
        result: { enabled: ['osm'], enforced: false },
      });
    } finally {
      ws.close();
    }
  });

  it('closes with 1009 when the oversize message is 50 MB (still being sent when the limit is hit)', async () => {
    const opened = await openSocket(wsUrl, { origin });
    if (!('ws' in opened)) throw new Error(`refused ${opened.refused}`);
    const closed = new Promise<number>((resolve) => opened.ws.once('close', (code) => resolve(code)));
    opened.ws.on('error', () => undefined);
    opened.ws.send(Buffer.alloc(50 * 2 ** 20, 0x78).toString('latin1'));
    expect(await closed).toBe(1009);
  }, 60_000);

  it('closes a socket that sends an oversize message (1009) and keeps serving others', async () => {
    const opened = await openSocket(wsUrl, { origin });
    if (!('ws' in opened)) throw new Error(`refused ${opened.refused}`);
    const closed = new Promise<number>((resolve) => opened.ws.once('close', (code) => resolve(code)));
    opened.ws.on('error', () => undefined);
    opened.ws.send('x'.repeat(MAX_MESSAGE + 1));
    expect(await closed).toBe(1009);
    const again = await openSocket(wsUrl, { origin });
    if (!('ws' in again)) throw new Error(`refused ${again.refused}`);
    expect(await ask(again.ws, JSON.stringify({ id: 1, name: 'engine.info', payload: {} }))).toMatchObject({ id: 1, ok: true });
    again.ws.close();
  });
});
