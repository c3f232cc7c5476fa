//! The token issuer: the "separate authentication service" of JWT mode, answering at `/token` as
//! an OAuth 2.0 authorization server's token endpoint does (RFC 6749), so a client written for a
//! real identity provider works against it unchanged.
//!
//! # `POST /token`, OAuth 2.0 form (`Content-Type: application/x-www-form-urlencoded`)
//!
//! * `grant_type=password&username=…&password=…` (RFC 6749 §4.3): a token for that user. Client
//!   authentication is optional here; when it is sent it must be valid.
//! * `grant_type=client_credentials` (§4.4) with client authentication: a token for the client.
//!
//! Clients are the service's users: `client_id` is a user name and `client_secret` its password,
//! sent either as `client_secret_basic` (§2.3.1: `Authorization: Basic
//! base64(urlencode(client_id) ":" urlencode(client_secret))`, so a `+` in a secret must be sent
//! as `%2B`) or as `client_secret_post` (`client_id` and `client_secret` in the body), never both.
//! There are no public clients: a `client_id` without a secret is `invalid_client`. `scope` is
//! accepted and ignored (the token carries the user's roles, rooms, transports and tenant).
//! Unrecognised parameters are ignored and an empty one counts as absent (§3.1, §3.2); a
//! recognised parameter sent twice is `invalid_request`.
//!
//! Success (§5.1): `200 {"access_token", "token_type": "Bearer", "expires_in", "kid"}`. Errors
//! (§5.2), as `{"error": code}`:
//!
//! | status | `error` | when |
//! |---|---|---|
//! | 400 | `invalid_request` | a parameter missing or repeated, a body or `Authorization` header that is not well encoded, another content type, both client authentication methods at once (with an `error_description`) |
//! | 400 | `unsupported_grant_type` | a grant other than `password` and `client_credentials` |
//! | 400 | `invalid_grant` | password grant: the user name and password are refused, or the user is revoked or locked out |
//! | 401 | `invalid_client` | client authentication failed (a revoked or locked-out client too), is missing where required, or is not HTTP Basic; with `WWW-Authenticate: Basic realm="authbench"` |
//! | 500 | `server_error` | the token could not be signed |
//!
//! `invalid_grant` and `invalid_client` add `"reason"` (a deny reason code) when the service
//! exposes reasons, as the JSON form does.
//!
//! # `POST /token`, JSON form (`Content-Type: application/json`, or no content type)
//!
//! `{"username", "password"}` (`grant_type` and `scope` are accepted and ignored) → the same
//! success answer, or `401 {"error": "invalid_grant", "reason": code}`; a duplicate or unknown
//! field is a `400 {"error": message}` that says so.
//!
//! Both forms go through the same password check, failed-attempt lockout and revocation, and
//! every `/token` answer carries `Cache-Control: no-store` and `Pragma: no-cache` (§5.1, §5.2).
//!
//! # Keys and discovery
//!
//! * `GET /.well-known/jwks.json` → `{"keys": [{"kty": "EC", "crv": "P-256", "x", "y", "kid",
//!   "use": "sig", "alg": "ES256"}, …]}`: the current key first, then retired keys in their grace
//!   period.
//! * `GET /.well-known/openid-configuration` → `{"issuer", "jwks_uri", "token_endpoint",
//!   "grant_types_supported", "token_endpoint_auth_methods_supported", …}`.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

use authbench_core::{DenyReason, Secret};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::admin::PeerAddr;
use super::{off_thread, parse_exact, peer_ip};
use crate::decide::{Refusal, refuse};
use crate::state::{IssuedToken, Shared};
use crate::stats::Endpoint;

/// The fields the JSON form accepts.
const TOKEN_FIELDS: &[&str] = &["username", "password", "grant_type", "scope"];

/// The form parameters this endpoint reads; any other is ignored (RFC 6749 §3.2).
const FORM_PARAMS: &[&str] = &[
    "grant_type",
    "username",
    "password",
    "scope",
    "client_id",
    "client_secret",
];

/// The challenge sent with `invalid_client` (RFC 6749 §5.2).
const BASIC_CHALLENGE: &str = r#"Basic realm="authbench""#;

/// Base64 for `Authorization: Basic`: standard alphabet, padding optional, since clients differ.
const BASIC: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    username: String,
    password: Secret,
    // Accepted for OAuth 2 clients, not used.
    #[serde(default, rename = "grant_type")]
    _grant_type: Option<IgnoredAny>,
    #[serde(default, rename = "scope")]
    _scope: Option<IgnoredAny>,
}

pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    peer: Option<Extension<PeerAddr>>,
    body: Bytes,
) -> Response {
    let peer = peer_ip(peer);
    let answer = match body_format(&headers) {
        Ok(BodyFormat::Json) => json_token(&shared, peer, &body).await,
        Ok(BodyFormat::Form) => oauth_token(&shared, peer, &headers, &body).await,
        Err(e) => oauth_error(&shared, e),
    };
    no_store(answer)
}

/// Token answers must not be cached by anything on the way (RFC 6749 §5.1, §5.2).
fn no_store(mut answer: Response) -> Response {
    let headers = answer.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    answer
}

/// The two request bodies `/token` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyFormat {
    /// The service's own `{"username", "password"}`.
    Json,
    /// An OAuth 2.0 token request.
    Form,
}

fn body_format(headers: &HeaderMap) -> Result<BodyFormat, OAuthError> {
    let mut values = headers.get_all(CONTENT_TYPE).iter();
    let Some(value) = values.next() else {
        // Without a content type the body has always been read as JSON; clients of the JSON form
        // that send none keep working.
        return Ok(BodyFormat::Json);
    };
    if values.next().is_some() {
        return Err(OAuthError::request(
            "the Content-Type header is sent more than once",
        ));
    }
    let media = value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(BodyFormat::Form)
    } else if media.eq_ignore_ascii_case("application/json") {
        Ok(BodyFormat::Json)
    } else {
        // RFC 6749 §3.2 and §4.x.2 define the token request only in this format, and §5.2 answers
        // a request the server cannot read with 400 `invalid_request`; a 415 would be an HTTP
        // error an OAuth client has no error code for.
        Err(OAuthError::request(
            "the body must be application/x-www-form-urlencoded (RFC 6749 section 3.2)",
        ))
    }
}

/// The service's own JSON form; its answers are part of the contract scripts and tests rely on.
async fn json_token(shared: &Arc<Shared>, peer: IpAddr, body: &[u8]) -> Response {
    let req: TokenRequest = match parse_exact(body, TOKEN_FIELDS) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let issued = off_thread(shared, move |s| {
        s.token_for_password(peer, &req.username, req.password.expose())
    })
    .await
    .unwrap_or_else(|| {
        Err(refuse(
            DenyReason::BackendUnavailable,
            "the token task failed",
        ))
    });
    match issued {
        Ok(t) => issued_answer(shared, &t),
        Err(r) if r.reason == DenyReason::BackendUnavailable => super::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the token could not be signed",
        ),
        Err(r) => {
            shared.stats.deny(Endpoint::Token, r.reason);
            let mut body = Map::new();
            body.insert("error".into(), Value::String("invalid_grant".into()));
            if shared.options.expose_reasons {
                body.insert("reason".into(), Value::String(r.reason.code().into()));
            }
            (StatusCode::UNAUTHORIZED, Json(Value::Object(body))).into_response()
        }
    }
}

/// The OAuth 2.0 form (RFC 6749 §4.3, §4.4).
async fn oauth_token(
    shared: &Arc<Shared>,
    peer: IpAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let request = parse_form(body).and_then(|mut params| {
        let grant = grant_of(&mut params)?;
        let client = client_of(headers, &mut params)?;
        Ok((grant, client))
    });
    let (grant, client) = match request {
        Ok(r) => r,
        Err(e) => return oauth_error(shared, e),
    };
    let outcome = off_thread(shared, move |s| decide_grant(s, peer, grant, client))
        .await
        .unwrap_or(Err(OAuthError::ServerError));
    match outcome {
        Ok(t) => issued_answer(shared, &t),
        Err(e) => oauth_error(shared, e),
    }
}

/// The success answer of both forms (RFC 6749 §5.1; `kid` is an extension).
fn issued_answer(shared: &Shared, t: &IssuedToken) -> Response {
    shared.stats.allow(Endpoint::Token);
    Json(json!({
        "access_token": t.token.expose(),
        "token_type": "Bearer",
        "expires_in": t.expires_in.as_secs(),
        "kid": t.kid,
    }))
    .into_response()
}

/// Why an OAuth 2.0 token request got no token (RFC 6749 §5.2).
#[derive(Debug)]
enum OAuthError {
    /// The request cannot be read: the description says why (never with the client's text).
    InvalidRequest(Cow<'static, str>),
    /// A grant type this server does not issue tokens for.
    UnsupportedGrantType,
    /// The resource owner's credentials are refused (password grant).
    InvalidGrant(Refusal),
    /// Client authentication failed, or is missing where it is required.
    InvalidClient(Refusal),
    /// The token could not be signed.
    ServerError,
}

impl OAuthError {
    fn request(description: impl Into<Cow<'static, str>>) -> Self {
        OAuthError::InvalidRequest(description.into())
    }
}

fn oauth_error(shared: &Shared, e: OAuthError) -> Response {
    let (status, code, description, refusal) = match e {
        OAuthError::InvalidRequest(d) => {
            (StatusCode::BAD_REQUEST, "invalid_request", Some(d), None)
        }
        OAuthError::UnsupportedGrantType => (
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            Some("only the password and client_credentials grants are supported".into()),
            None,
        ),
        OAuthError::InvalidGrant(r) => (StatusCode::BAD_REQUEST, "invalid_grant", None, Some(r)),
        OAuthError::InvalidClient(r) => (StatusCode::UNAUTHORIZED, "invalid_client", None, Some(r)),
        OAuthError::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            Some("the token could not be signed".into()),
            None,
        ),
    };
    let mut body = Map::new();
    body.insert("error".into(), Value::String(code.into()));
    if let Some(d) = description {
        body.insert("error_description".into(), Value::String(d.into_owned()));
    }
    if let Some(r) = refusal {
        shared.stats.deny(Endpoint::Token, r.reason);
        tracing::debug!(error = code, reason = %r.reason, detail = %r.detail, "token request refused");
        if shared.options.expose_reasons {
            body.insert("reason".into(), Value::String(r.reason.code().into()));
        }
    }
    let mut answer = (status, Json(Value::Object(body))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        answer
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(BASIC_CHALLENGE));
    }
    answer
}

/// The parameters of a token request this endpoint reads (present and non-empty).
#[derive(Default)]
struct FormParams {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<Secret>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
}

/// Parses an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, Appendix B).
fn parse_form(body: &[u8]) -> Result<FormParams, OAuthError> {
    let mut params = FormParams::default();
    let mut seen: Vec<&'static str> = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let bad = || OAuthError::request("the body is not well-formed UTF-8 form data");
        let name = form_decode(name).ok_or_else(bad)?;
        let value = form_decode(value).ok_or_else(bad)?;
        let Some(known) = FORM_PARAMS.iter().copied().find(|p| *p == name) else {
            continue;
        };
        if seen.contains(&known) {
            return Err(OAuthError::request(format!(
                "the parameter `{known}` is sent more than once"
            )));
        }
        seen.push(known);
        if value.is_empty() {
            continue;
        }
        match known {
            "grant_type" => params.grant_type = Some(value),
            "username" => params.username = Some(value),
            "password" => params.password = Some(Secret::new(value)),
            "client_id" => params.client_id = Some(value),
            "client_secret" => params.client_secret = Some(Secret::new(value)),
            // `scope`: the token carries the user's rights whatever is asked.
            _ => {}
        }
    }
    Ok(params)
}

/// Decodes one form-urlencoded name or value: `+` is a space, `%XX` a byte; a `%` without two
/// hex digits after it, or bytes that are not UTF-8, are refused rather than guessed at.
fn form_decode(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |j: usize| {
                    raw.get(j)
                        .and_then(|h| char::from(*h).to_digit(16))
                        .and_then(|d| u8::try_from(d).ok())
                };
                out.push(hex(i + 1)? << 4 | hex(i + 2)?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The grant asked for.
enum Grant {
    /// RFC 6749 §4.3: the resource owner's user name and password.
    Password { username: String, password: Secret },
    /// RFC 6749 §4.4: the client's own token.
    ClientCredentials,
}

fn grant_of(params: &mut FormParams) -> Result<Grant, OAuthError> {
    match params.grant_type.as_deref() {
        None => Err(OAuthError::request("the grant_type parameter is missing")),
        Some("password") => match (params.username.take(), params.password.take()) {
            (Some(username), Some(password)) => Ok(Grant::Password { username, password }),
            _ => Err(OAuthError::request(
                "the password grant needs the username and password parameters",
            )),
        },
        Some("client_credentials") => Ok(Grant::ClientCredentials),
        Some(_) => Err(OAuthError::UnsupportedGrantType),
    }
}

/// A client's credentials: a user name and its password.
struct ClientAuth {
    id: String,
    secret: Secret,
}

/// The client authentication the request carries (RFC 6749 §2.3.1), if any.
fn client_of(
    headers: &HeaderMap,
    params: &mut FormParams,
) -> Result<Option<ClientAuth>, OAuthError> {
    let basic = basic_client(headers)?;
    match (basic, params.client_id.take(), params.client_secret.take()) {
        // §2.3: "The client MUST NOT use more than one authentication method in each request."
        (Some(_), _, Some(_)) => Err(OAuthError::request(
            "the client authenticated with both client_secret_basic and client_secret_post",
        )),
        (Some(basic), Some(id), None) if id != basic.id => Err(OAuthError::request(
            "the client_id parameter names another client than the Authorization header",
        )),
        (Some(basic), _, None) => Ok(Some(basic)),
        (None, Some(id), Some(secret)) => Ok(Some(ClientAuth { id, secret })),
        (None, None, Some(_)) => Err(OAuthError::request(
            "the client_secret parameter is sent without client_id",
        )),
        (None, Some(_), None) => Err(OAuthError::InvalidClient(refuse(
            DenyReason::MissingCredentials,
            "a client_id without a secret: there are no public clients",
        ))),
        (None, None, None) => Ok(None),
    }
}

/// `client_secret_basic`: `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_client(headers: &HeaderMap) -> Result<Option<ClientAuth>, OAuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(OAuthError::request(
            "the Authorization header is sent more than once",
        ));
    }
    let malformed =
        || OAuthError::request("the Authorization header is not well-formed Basic credentials");
    let value = value.to_str().map_err(|_| malformed())?.trim();
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::InvalidClient(refuse(
            DenyReason::MalformedCredentials,
            "client authentication other than HTTP Basic",
        )));
    }
    let decoded = BASIC.decode(credentials.trim()).map_err(|_| malformed())?;
    let colon = decoded
        .iter()
        .position(|b| *b == b':')
        .ok_or_else(malformed)?;
    let id = form_decode(&decoded[..colon]).ok_or_else(malformed)?;
    let secret = form_decode(&decoded[colon + 1..]).ok_or_else(malformed)?;
    Ok(Some(ClientAuth {
        id,
        secret: Secret::new(secret),
    }))
}

/// Checks a client's credentials under the failed-attempt lockout; a revoked client is refused.
fn authenticate_client(
    shared: &Shared,
    peer: IpAddr,
    client: &ClientAuth,
) -> Result<(), OAuthError> {
    if client.id.is_empty() || client.secret.is_empty() {
        return Err(OAuthError::InvalidClient(refuse(
            DenyReason::MissingCredentials,
            "the client id and secret are required",
        )));
    }
    let record = shared
        .check_password(peer, &client.id, client.secret.expose())
        .map_err(OAuthError::InvalidClient)?;
    if record.revoked {
        return Err(OAuthError::InvalidClient(refuse(
            DenyReason::Revoked,
            "the client's user has been revoked",
        )));
    }
    Ok(())
}

/// Authenticates the client when needed and decides the grant.
fn decide_grant(
    shared: &Shared,
    peer: IpAddr,
    grant: Grant,
    client: Option<ClientAuth>,
) -> Result<IssuedToken, OAuthError> {
    match grant {
        Grant::ClientCredentials => {
            let client = client.ok_or_else(|| {
                OAuthError::InvalidClient(refuse(
                    DenyReason::MissingCredentials,
                    "the client_credentials grant needs client authentication",
                ))
            })?;
            authenticate_client(shared, peer, &client)?;
            shared
                .issue(&client.id)
                .map_err(|_| OAuthError::ServerError)
        }
        Grant::Password { username, password } => {
            if let Some(client) = &client {
                authenticate_client(shared, peer, client)?;
            }
            shared
                .token_for_password(peer, &username, password.expose())
                .map_err(|r| match r.reason {
                    DenyReason::BackendUnavailable => OAuthError::ServerError,
                    _ => OAuthError::InvalidGrant(r),
                })
        }
    }
}

pub(super) async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.jwks()).into_response()
}

pub(super) async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.discovery()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_decode_strictly() {
        assert_eq!(form_decode(b"a+b%2Bc%3A%25").as_deref(), Some("a b+c:%"));
        assert_eq!(form_decode(b"%C3%a9t%C3%A9").as_deref(), Some("été"));
        assert_eq!(form_decode(b"").as_deref(), Some(""));
        assert_eq!(form_decode(b"50%zz"), None, "not hex");
        assert_eq!(form_decode(b"50%4"), None, "cut short");
        assert_eq!(form_decode(b"%"), None);
        assert_eq!(form_decode(b"%FF"), None, "not UTF-8");
        assert_eq!(form_decode(b"%+4"), None, "a sign is not a hex digit");
    }

    fn problem(body: &str) -> String {
        match parse_form(body.as_bytes()) {
            Err(OAuthError::InvalidRequest(d)) => d.into_owned(),
            Err(other) => format!("unexpected {other:?}"),
            Ok(_) => "parsed".into(),
        }
    }

    #[test]
    fn forms_parse_with_rfc_6749_rules() {
        let p = parse_form(b"grant_type=password&username=al%20ice&password=p%26w&scope=&x=1&&x=2")
            .map_err(|e| format!("{e:?}"));
        let p = p.as_ref().expect("parses");
        assert_eq!(p.grant_type.as_deref(), Some("password"));
        assert_eq!(p.username.as_deref(), Some("al ice"));
        assert_eq!(p.password.as_ref().map(Secret::expose), Some("p&w"));
        assert!(p.client_id.is_none() && p.client_secret.is_none());
        // An empty value counts as absent.
        let p = parse_form(b"grant_type=&username").map_err(|e| format!("{e:?}"));
        assert!(
            p.as_ref()
                .is_ok_and(|p| p.grant_type.is_none() && p.username.is_none())
        );
        assert_eq!(
            problem("grant_type=password&grant_type=client_credentials"),
            "the parameter `grant_type` is sent more than once"
        );
        assert_eq!(
            problem("grant_type=password&pass%77ord=a&password=b"),
            "the parameter `password` is sent more than once",
            "names are decoded before they are compared"
        );
        assert_eq!(
            problem("grant_type=password&password=%zz-hunter2"),
            "the body is not well-formed UTF-8 form data"
        );
    }
}
