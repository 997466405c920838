import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export interface ScriptedReply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** Objects are sent as JSON, strings verbatim. */
  readonly body?: string | object;
  /** Never answer (the client must time out). */
  readonly hang?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export interface ScriptedServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  return parsed;
}

function send(res: ServerResponse, reply: ScriptedReply): void {
  if (reply.hang) return;
  const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
  res.end(body);
}

/**
 * A real HTTP server on 127.0.0.1 answering requests with `replies` in order; the last reply
 * repeats once the script runs out.
 */
export async function startScriptedServer(replies: readonly ScriptedReply[]): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = replies[requests.length - 1] ?? replies[replies.length - 1] ?? {};
      send(res, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  const { port } = address;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A chat completion body. */
export function completion(content: string | null, extra: { toolCalls?: unknown[]; refusal?: string } = {}): object {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        finish_reason: extra.toolCalls ? 'tool_calls' : 'stop',
        message: { role: 'assistant', content, refusal: extra.refusal ?? null, tool_calls: extra.toolCalls },
      },
    ],
    usage: { prompt_tokens: 1_000_000, completion_tokens: 250_000, total_tokens: 1_250_000 },
  };
}
