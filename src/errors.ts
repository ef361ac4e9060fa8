// Every refusal Gatehouse answers with, on both sides: the authorization server (RFC 6749 §4.1.2.1 and §5.2, RFC 7591
// §3.2.2, RFC 8707 §2, RFC 7009 §2.2) and the protected resource (RFC 6750 §3.1). One class per error code, each
// knowing its status; an error carries the headers its answer needs and a stable `reason` that metrics and logs
// count by (never the wording of its description), and may hold a `detail` only the log sees. One serializer,
// `errorAnswer`, turns any of them into its answer; anything that is not one of them is a 500 with no detail.
import { jsonAnswer, type TextAnswer } from './http/answer.js';

export interface ErrorOptions {
  /** A stable slug for metrics and logs: `expired`, `code_replayed`… Defaults to the error code. */
  reason?: string;
  headers?: Record<string, string>;
  /** What only the log may hold (an address, a resolver error); never sent to the client. */
  detail?: string;
}

export abstract class OAuthError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly reason: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly detail: string | undefined;
  /**
   * Set on an authorization-request error once the client and its redirect URI are verified: only then may the
   * error travel to the client by redirect (RFC 6749 §4.1.2.1); before, redirecting would make an open redirector.
   */
  redirect: { uri: string; state: string | undefined } | undefined;

  constructor(
    readonly description: string,
    options: ErrorOptions = {},
  ) {
    super(description);
    this.reason = options.reason;
    this.headers = options.headers ?? {};
    this.detail = options.detail;
  }

  override get name() {
    return this.constructor.name;
  }

  /** The reason to count this error by. */
  get slug(): string {
    return this.reason ?? this.code;
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** Marks an authorization-request error as safe to send to the (verified) redirect URI. */
export function sentTo<E extends OAuthError>(error: E, uri: string, state: string | undefined): E {
  error.redirect = { uri, state };
  return error;
}

export class InvalidRequest extends OAuthError {
  readonly code = 'invalid_request';
  readonly status = 400;
}

export class InvalidClient extends OAuthError {
  readonly code = 'invalid_client';
  readonly status = 401;
}

export class InvalidGrant extends OAuthError {
  readonly code = 'invalid_grant';
  readonly status = 400;
}

export class UnauthorizedClient extends OAuthError {
  readonly code = 'unauthorized_client';
  readonly status = 400;
}

export class UnsupportedGrantType extends OAuthError {
  readonly code = 'unsupported_grant_type';
  readonly status = 400;
}

export class UnsupportedResponseType extends OAuthError {
  readonly code = 'unsupported_response_type';
  readonly status = 400;
}

export class InvalidScope extends OAuthError {
  readonly code = 'invalid_scope';
  readonly status = 400;
}

export class InvalidTarget extends OAuthError {
  readonly code = 'invalid_target';
  readonly status = 400;
}

/** The user said no (RFC 6749 §4.1.2.1): only ever sent to the client's redirect URI. */
export class AccessDenied extends OAuthError {
  readonly code = 'access_denied';
  readonly status = 403;
}

export class InvalidRedirectUri extends OAuthError {
  readonly code = 'invalid_redirect_uri';
  readonly status = 400;
}

export class InvalidClientMetadata extends OAuthError {
  readonly code = 'invalid_client_metadata';
  readonly status = 400;
}

/** A request that carries no access token (RFC 6750 §3.1: the challenge then names no error code). */
export class Unauthorized extends OAuthError {
  readonly code = 'unauthorized';
  readonly status = 401;
}

/** An access token (or registration access token) that is not acceptable (RFC 6750 §3.1). */
export class InvalidToken extends OAuthError {
  readonly code = 'invalid_token';
  readonly status = 401;
}

/** A valid token without the scope the request needs (RFC 6750 §3.1). */
export class InsufficientScope extends OAuthError {
  readonly code = 'insufficient_scope';
  readonly status = 403;
}

/** The token cannot be checked right now (the issuer's keys or introspection are unreachable): retry later. */
export class TemporarilyUnavailable extends OAuthError {
  readonly code = 'temporarily_unavailable';
  readonly status = 503;
}

/** A body longer than the endpoint reads (RFC 9110 §15.5.14); its code is the one RFC 6749 gives a malformed request. */
export class RequestTooLarge extends OAuthError {
  readonly code = 'invalid_request';
  readonly status = 413;

  constructor(maxBytes: number) {
    super(`request body too large (at most ${maxBytes} bytes)`);
  }
}

/** Over a rate limit; `Retry-After` says when to come back. */
export class TooManyRequests extends OAuthError {
  readonly code = 'too_many_requests';
  readonly status = 429;

  constructor(
    description: string,
    readonly retryAfterSeconds: number,
    options: ErrorOptions = {},
  ) {
    super(description, { ...options, headers: { ...options.headers, 'Retry-After': String(retryAfterSeconds) } });
  }
}

/** The answer to an error: its status, its headers with `no-store`, and the standard JSON body. */
export function errorAnswer(error: OAuthError): TextAnswer {
  return {
    status: error.status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...error.headers },
    body: JSON.stringify(error.toJSON()),
  };
}

/** The answer to a failure nobody foresaw: a 500 that says nothing but the request id, which the log line has too. */
export const unexpectedErrorAnswer = (requestId: string): TextAnswer =>
  jsonAnswer(500, { error: 'server_error', error_description: `internal error; request id ${requestId}` });
