//! The address of the rehearsal's PostgreSQL server as the harness connects to it.

use reqwest::Url;

/// The server's URL with `sslmode=disable` added when the server is on this machine
/// (`localhost`, `127.0.0.1`, `::1`) and the URL does not choose a mode itself. The driver's
/// default (`prefer`) encrypts whenever the server offers TLS (Debian's packages turn it on),
/// which on loopback protects nothing and costs every scenario's connections a handshake and
/// every query its encryption on both sides. A URL that names a `sslmode` is left as it is.
pub(crate) fn without_loopback_tls(mut url: Url) -> Url {
    let loopback = url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    let chosen = url.query_pairs().any(|(k, _)| k == "sslmode");
    if loopback && !chosen {
        url.query_pairs_mut().append_pair("sslmode", "disable");
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls_of(url: &str) -> String {
        without_loopback_tls(Url::parse(url).unwrap()).to_string()
    }

    #[test]
    fn loopback_servers_are_reached_without_tls_unless_the_url_chooses() {
        assert_eq!(
            tls_of("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            tls_of("postgres://u@localhost/db"),
            "postgres://u@localhost/db?sslmode=disable"
        );
        assert_eq!(
            tls_of("postgres://u@[::1]:5433/db"),
            "postgres://u@[::1]:5433/db?sslmode=disable"
        );
        assert_eq!(
            tls_of("postgres://u@127.0.0.1/db?sslmode=require"),
            "postgres://u@127.0.0.1/db?sslmode=require"
        );
        assert_eq!(
            tls_of("postgres://u@db.example.com/db"),
            "postgres://u@db.example.com/db"
        );
    }
}
