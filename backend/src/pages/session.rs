//! Who is looking at a page, and whether a form post is really theirs.
//!
//! - Identity is the API's: the identity provider's session token in the `__session` cookie
//!   (or a bearer header). No valid session → the sign-in page (401); an admin page for a
//!   non-admin → the 403 page, before any data is read.
//! - Forms are protected against cross-site posts three ways: the session cookie is the
//!   identity provider's `SameSite=Lax` cookie, every state-changing form carries a token that
//!   must equal our `SameSite=Strict` [`CSRF_COOKIE`] (a double-submit token: stateless, so it
//!   holds across replicas), and a post's `Origin`, when the browser sends one, must be ours.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;

use super::render::PageError;
use crate::auth::{AdminUser, AuthError, AuthUser, Authenticator, cookie};
use crate::config::AdminConfig;
use crate::edge::extract::{ApiPath, ApiQuery};
use crate::error::ApiError;
use crate::state::AppState;

/// The cookie holding the form token.
pub const CSRF_COOKIE: &str = "golive_csrf";
/// The form field that must repeat it.
pub const CSRF_FIELD: &str = "csrf";

/// This request's form token (from its cookie, or new when it had none).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Reads or mints the form token and sets its cookie when it was new.
pub async fn csrf_cookie(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let minted = existing.is_none();
    let token = existing.unwrap_or_else(|| {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    });
    let secure = state
        .config
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"));
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    if minted {
        let value = format!(
            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Someone signed in, looking at a page.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The caller.
    pub user: AuthUser,
    /// Whether the admin rules (`ADMIN_EMAILS`, `ADMIN_EMAIL_DOMAIN`) make them an admin.
    pub is_admin: bool,
    /// The token their forms must carry.
    pub csrf: String,
}

async fn viewer_of(parts: &mut Parts, state: &AppState) -> Result<Viewer, PageError> {
    let auth = Arc::<Authenticator>::from_ref(state);
    let user = match auth.authenticate_page(&parts.headers).await {
        Ok(u) => u,
        Err(AuthError::KeysUnavailable) => return Err(PageError::Unavailable),
        Err(_) => return Err(PageError::SignIn),
    };
    let admins = Arc::<AdminConfig>::from_ref(state);
    let is_admin = user.email.as_deref().is_some_and(|e| admins.is_admin(e));
    let csrf = parts
        .extensions
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    Ok(Viewer {
        user,
        is_admin,
        csrf,
    })
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        viewer_of(parts, state).await
    }
}

/// A signed-in admin, looking at an admin page.
#[derive(Debug, Clone)]
pub struct AdminViewer {
    /// The viewer (always an admin).
    pub viewer: Viewer,
    /// The admin, as the audit log records them.
    pub admin: AdminUser,
}

impl FromRequestParts<AppState> for AdminViewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let viewer = viewer_of(parts, state).await?;
        match (&viewer.user.email, viewer.is_admin) {
            (Some(email), true) => Ok(AdminViewer {
                admin: AdminUser {
                    user_id: viewer.user.user_id.clone(),
                    email: email.trim().to_ascii_lowercase(),
                },
                viewer,
            }),
            _ => Err(PageError::Forbidden(Box::new(viewer))),
        }
    }
}

/// A form post's fields, accepted only with the viewer's form token and from our own origin.
#[derive(Debug)]
pub struct CheckedForm(pub HashMap<String, String>);

impl CheckedForm {
    /// A field's value, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Parses and checks a post body for `viewer`.
    pub fn check(
        state: &AppState,
        headers: &HeaderMap,
        viewer: &Viewer,
        body: &Bytes,
    ) -> Result<CheckedForm, PageError> {
        if !same_origin(state, headers) {
            return Err(PageError::FormExpired);
        }
        let mut fields = HashMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            fields.insert(k.into_owned(), v.into_owned());
        }
        let sent = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
        if viewer.csrf.is_empty() || !constant_time_eq(sent.as_bytes(), viewer.csrf.as_bytes()) {
            return Err(PageError::FormExpired);
        }
        Ok(CheckedForm(fields))
    }
}

/// The post's `Origin` (when sent) is our public origin, or this request's own host.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // Older browsers omit it; the token still has to match.
    };
    let origin = origin.to_ascii_lowercase();
    if let Some(ours) = &state.config.public_origin {
        return &origin == ours;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}

/// The peer address (for the rate limiter's log line), when the server records it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(crate::edge::limit::client_addr(parts)))
    }
}

/// Query parameters of a page; a malformed query is the HTML 400 page, never plain text.
#[derive(Debug, Clone)]
pub struct PageQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for PageQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiQuery(v) = ApiQuery::<T>::from_request_parts(parts, state).await?;
        Ok(PageQuery(v))
    }
}

/// Path parameters of a page; an undecodable segment is the HTML 400 page.
#[derive(Debug, Clone)]
pub struct PagePath<T>(pub T);

impl<S, T> FromRequestParts<S> for PagePath<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiPath(v) = ApiPath::<T>::from_request_parts(parts, state).await?;
        Ok(PagePath(v))
    }
}

/// A form post's raw body; too large (413) or too slow (408) is an HTML page.
#[derive(Debug, Clone)]
pub struct PageBody(pub Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for PageBody {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        <Bytes as axum::extract::FromRequest<S>>::from_request(req, state)
            .await
            .map(PageBody)
            .map_err(|e| PageError::Api(ApiError::body_unreadable(&e)))
    }
}
