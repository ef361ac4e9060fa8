// One class per OAuth error code the authorization server answers with (RFC 6749 §4.1.2.1 and §5.2, RFC 7591 §3.2.2,
// RFC 8707 §2, RFC 7009 §2.2).
// The app's error handler turns each into its standard JSON answer; anything else is a 500 with no detail.

export abstract class OAuthError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** What only the log may hold (an address, a resolver error); never sent to the client. */
  readonly detail: string | undefined;

  constructor(
    readonly description: string,
    options: { detail?: string | undefined } = {},
  ) {
    super(description);
    this.detail = options.detail;
  }

  override get name() {
    return this.constructor.name;
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
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

export class UnsupportedTokenType extends OAuthError {
  readonly code = 'unsupported_token_type';
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

export class ServerError extends OAuthError {
  readonly code = 'server_error';
  readonly status = 500;
}
