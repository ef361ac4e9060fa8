// RFC 8414 authorization server metadata; also served as /.well-known/openid-configuration for clients that
// only look there.
import { ASSERTION_ALGORITHMS } from './client-assertion.js';
import { TOKEN_ENDPOINT_AUTH_METHODS } from './client-metadata.js';
import { SUPPORTED_SCOPES } from './scopes.js';

export function authorizationServerMetadata(issuer: string, options: { registration: boolean }) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    // Without open registration, clients must use a metadata document or a pre-registered id: say so by omission.
    ...(options.registration && { registration_endpoint: `${issuer}/register` }),
    revocation_endpoint: `${issuer}/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    introspection_endpoint: `${issuer}/introspect`,
    // Introspection answers authenticated clients only.
    introspection_endpoint_auth_methods_supported: TOKEN_ENDPOINT_AUTH_METHODS.filter((method) => method !== 'none'),
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    // An https client_id names the client's own metadata document (draft-ietf-oauth-client-id-metadata-document).
    client_id_metadata_document_supported: true,
    // RFC 9207: the authorization response names its issuer, against mix-up attacks.
    authorization_response_iss_parameter_supported: true,
  };
}
