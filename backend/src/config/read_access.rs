//! Who may call and where they may be sent: the auth mode, the admins, the redirect origins
//! and the public origin.

use crate::config::origins::normalize_origin;
use crate::config::problems::Reader;
use crate::config::secret::Secret;
use crate::config::settings::{AdminConfig, AuthConfig};

pub(super) fn read_auth(r: &mut Reader, live: bool) -> Option<AuthConfig> {
    let disabled = match r.get("DISABLE_AUTH") {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => {
            r.problem(
                "DISABLE_AUTH",
                "is neither `true` nor `false`",
                "set DISABLE_AUTH=false (or unset it); `true` is for local development only",
            );
            return None;
        }
    };
    if disabled {
        if live {
            r.problem(
                "DISABLE_AUTH",
                "is `true` while Stripe is in live mode (or given a live key): anyone could act as any user",
                "unset DISABLE_AUTH (and configure JWT_SECRET) for live mode",
            );
            return None;
        }
        return Some(AuthConfig::Disabled);
    }
    let jwks = r.get("JWKS_URL").map(str::to_string);
    let issuer = r.get("JWT_ISSUER").map(str::to_string);
    match (jwks, issuer) {
        (Some(url), Some(issuer)) => {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                r.problem(
                    "JWKS_URL",
                    "is not an http(s) URL",
                    "set it to the identity provider's JWKS URL, e.g. https://clerk.example.com/.well-known/jwks.json",
                );
                return None;
            }
            if live && url.starts_with("http://") && !is_loopback_url(&url) {
                r.problem(
                    "JWKS_URL",
                    "uses plain http in live mode",
                    "use the provider's https:// JWKS URL",
                );
                return None;
            }
            return Some(AuthConfig::Rs256 {
                jwks_url: url,
                issuer,
            });
        }
        (Some(_), None) => {
            r.problem(
                "JWT_ISSUER",
                "is not set although JWKS_URL is",
                "set JWT_ISSUER to the exact `iss` of your identity provider's tokens, e.g. https://clerk.example.com",
            );
            return None;
        }
        (None, Some(_)) => {
            r.problem(
                "JWKS_URL",
                "is not set although JWT_ISSUER is",
                "set JWKS_URL to the identity provider's JWKS URL (or unset JWT_ISSUER to use JWT_SECRET)",
            );
            return None;
        }
        (None, None) => {}
    }
    match r.get("JWT_SECRET").map(str::to_string) {
        Some(secret) => Some(AuthConfig::Hs256 {
            secret: Secret::new(secret),
        }),
        None => {
            r.problem(
                "JWT_SECRET",
                "is not set, so bearer tokens cannot be verified",
                "set JWKS_URL and JWT_ISSUER for RS256 tokens, or JWT_SECRET to the HS256 signing secret of your tokens (or DISABLE_AUTH=true for local development)",
            );
            None
        }
    }
}

pub(super) fn read_admin(r: &mut Reader) -> AdminConfig {
    let emails = r
        .get("ADMIN_EMAILS")
        .map(|v| {
            v.split(',')
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for e in emails.clone() {
        if !e.contains('@') {
            r.problem(
                "ADMIN_EMAILS",
                format!("`{e}` is not an e-mail address"),
                "list full addresses separated by commas, e.g. ops@example.com,alice@example.com",
            );
        }
    }
    let domain = r
        .get("ADMIN_EMAIL_DOMAIN")
        .map(|d| d.trim_start_matches('@').to_ascii_lowercase());
    if let Some(d) = &domain
        && (!d.contains('.') || d.contains('@') || d.contains(char::is_whitespace))
    {
        let d = d.clone();
        r.problem(
            "ADMIN_EMAIL_DOMAIN",
            format!("`{d}` is not a domain"),
            "set it to an exact domain such as example.com (subdomains are not included)",
        );
    }
    AdminConfig { emails, domain }
}

pub(super) fn read_origins(r: &mut Reader) -> Vec<String> {
    let Some(raw) = r.get("ALLOWED_REDIRECT_ORIGINS").map(str::to_string) else {
        r.problem(
            "ALLOWED_REDIRECT_ORIGINS",
            "is not set, so Checkout success/cancel URLs cannot be checked",
            "set it to the comma-separated origins of your front end, e.g. https://app.example.com,http://localhost:3000",
        );
        return Vec::new();
    };
    let mut origins = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match normalize_origin(item) {
            Some(o) => origins.push(o),
            None => r.problem(
                "ALLOWED_REDIRECT_ORIGINS",
                format!("`{item}` is not an origin (scheme://host[:port], no path)"),
                "list origins such as https://app.example.com separated by commas",
            ),
        }
    }
    if origins.is_empty()
        && !r
            .problems
            .iter()
            .any(|p| p.variable == "ALLOWED_REDIRECT_ORIGINS")
    {
        r.problem(
            "ALLOWED_REDIRECT_ORIGINS",
            "lists no origin",
            "list at least one origin such as https://app.example.com",
        );
    }
    origins
}

pub(super) fn read_public_origin(r: &mut Reader) -> Option<String> {
    let raw = r.get("BILLING_PUBLIC_URL")?.trim().to_string();
    if raw.is_empty() {
        return None;
    }
    match normalize_origin(&raw) {
        Some(o) => Some(o),
        None => {
            r.problem(
                "BILLING_PUBLIC_URL",
                format!(
                    "`{}` is not an origin (scheme://host[:port], no path)",
                    raw.chars().take(80).collect::<String>()
                ),
                "set it to the address people open the billing pages at, e.g. https://billing.example.com",
            );
            None
        }
    }
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    rest.starts_with("127.0.0.1") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}
