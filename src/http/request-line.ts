// The one log line and the metrics every HTTP request leaves behind, whichever path answered it.
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';

export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  /** The route pattern that matched (never the raw path, which would make unbounded metric labels). */
  route: string;
  status: number;
  seconds: number;
  clientId?: string | undefined;
  userId?: string | undefined;
}

/** `logger` should skip redaction (see unredactedLogger): these fields are fixed and hold no secret. */
export function requestRecorder(logger: Logger, metrics: Metrics): (line: RequestLine) => void {
  return (line) => {
    metrics.request(line.method, line.route, line.status, line.seconds);
    logger.info(
      {
        req_id: line.requestId,
        method: line.method,
        path: line.path,
        route: line.route,
        status: line.status,
        ms: Math.round(line.seconds * 10_000) / 10,
        ...(line.clientId !== undefined && { client_id: line.clientId }),
        ...(line.userId !== undefined && { user_id: line.userId }),
      },
      'request',
    );
  };
}
