//! The HTTP edge shared by the JSON API ([`crate::api`]) and the pages ([`crate::pages`]):
//! extractors whose rejections are our JSON errors ([`extract`]), the rate limit's extractor
//! and refusal ([`limit`]), idempotency keys from request headers ([`keys`]), and the request
//! span every route runs in ([`request_span`]). It knows the shared state, the error type and
//! the rate-limit core, never a route.

pub mod extract;
pub mod keys;
pub mod limit;
pub mod request_span;
