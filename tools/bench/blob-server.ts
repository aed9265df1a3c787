// Moves audio between Node and the bench page over plain HTTP on 127.0.0.1: megabytes of
// float32 samples through Playwright's evaluate() cost about a second each way, and the quality
// corpus moves ~1 GB. GET /blob/<id> serves a Float32Array put by Node; POST /blob/<id> stores the
// page's upload. CORS is open because the page is served from another port (loopback only).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BlobServer {
  url: string;
  put(id: string, samples: Float32Array): void;
  /** Removes and returns what the page uploaded as `id`. */
  take(id: string): Float32Array | undefined;
  close(): Promise<void>;
}

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
}

export async function startBlobServer(): Promise<BlobServer> {
  const blobs = new Map<string, Buffer>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    cors(res);
    const id = decodeURIComponent((req.url ?? '').replace(/^\/blob\//, ''));
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
    } else if (req.method === 'GET') {
      const body = blobs.get(id);
      if (!body) res.writeHead(404).end();
      else res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
    } else if (req.method === 'POST') {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        blobs.set(id, Buffer.concat(parts));
        res.writeHead(204).end();
      });
    } else {
      res.writeHead(405).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/blob/`,
    put: (id, samples) => blobs.set(id, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)),
    take: (id) => {
      const b = blobs.get(id);
      if (!b) return undefined;
      blobs.delete(id);
      // Copy into an aligned buffer of its own.
      const out = new Float32Array(b.length / 4);
      new Uint8Array(out.buffer).set(b);
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
