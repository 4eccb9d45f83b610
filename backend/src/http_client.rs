//! How the backend's outgoing HTTP clients (Stripe, the JWKS endpoint, the alert webhook) are
//! built: with one TLS configuration per process.
//!
//! Trusting the platform's root certificates means reading and parsing every certificate in
//! the system store, which costs far more than the rest of a client. Built once and shared,
//! it is paid once per process instead of once per client — a process that starts many
//! backends (the rehearsal starts one per scenario, each with three clients) would otherwise
//! spend a noticeable part of its time in certificate parsing.

use std::sync::OnceLock;

/// Installs the ring crypto provider for rustls once per process (reqwest's
/// `rustls-no-provider` panics without one); an already installed provider is fine.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client builder that uses the process's shared TLS configuration (the platform's roots).
/// The crypto provider is installed by the first call, so callers need not install it. When
/// the platform's roots cannot be loaded, reqwest builds its own configuration and reports
/// that failure from `build()`, as it would without this.
pub(crate) fn builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match shared_tls() {
        Some(tls) => builder.tls_backend_preconfigured(tls.clone()),
        None => builder,
    }
}

/// The TLS configuration every client shares: rustls with the ring provider, verifying with
/// the platform's roots, speaking HTTP/1.1 (the only version the clients are built with).
fn shared_tls() -> Option<&'static rustls::ClientConfig> {
    static TLS: OnceLock<Option<rustls::ClientConfig>> = OnceLock::new();
    TLS.get_or_init(|| {
        use rustls_platform_verifier::ConfigVerifierExt;
        install_crypto_provider();
        let mut config = rustls::ClientConfig::with_platform_verifier().ok()?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Some(config)
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_share_one_tls_configuration() {
        let first = shared_tls().expect("the platform's roots load") as *const _;
        let second = shared_tls().expect("the platform's roots load") as *const _;
        assert_eq!(first, second, "the configuration is built once");
        builder()
            .build()
            .expect("a client builds with the shared configuration");
    }
}
