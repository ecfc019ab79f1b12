// The three calls of the capture protocol (docs/capture-protocol.md), same origin, no credentials
// other than the capture id in the path.
import type { CaptureStart, FrameReceipt, FrameUpload } from '../../checks/service.js';

export type { CaptureStart, FrameReceipt, FrameUpload };

export interface FinishAnswer {
  status: 'in_progress' | 'complete' | 'failed';
  redirect?: string;
}

/** The server answered with an error envelope. */
export class CaptureApiError extends Error {
  override name = 'CaptureApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Worth repeating the same request: the server or something on the way failed, not the request. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** The request never got an answer (offline, DNS, connection reset, timeout). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

export class CaptureClient {
  private readonly base: string;

  constructor(
    captureId: string,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
    private readonly timeoutMs = 20_000,
  ) {
    this.base = `/v1/capture/${encodeURIComponent(captureId)}`;
  }

  start(): Promise<CaptureStart> {
    return this.post<CaptureStart>('/start', undefined);
  }

  /** `attempt` from start: the server refuses the batch once a newer attempt began (attempt_superseded). */
  async sendFrames(frames: FrameUpload[], attempt: number): Promise<FrameReceipt[]> {
    const answer = await this.post<{ accepted: number; frames: FrameReceipt[] }>('/frames', { attempt, frames });
    return answer.frames;
  }

  finish(): Promise<FinishAnswer> {
    return this.post<FinishAnswer>('/finish', undefined);
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, {
        method: 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        signal: controller.signal,
      });
    } catch (error) {
      throw new NetworkError(error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const envelope = parseJson(text) as { error?: { code?: string; message?: string } } | undefined;
      throw new CaptureApiError(response.status, envelope?.error?.code ?? `http_${response.status}`, envelope?.error?.message ?? response.statusText);
    }
    const parsed = parseJson(text);
    if (parsed === undefined) throw new CaptureApiError(response.status, 'bad_response', 'the server answered with something that is not JSON');
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
