//! The people in a scenario: a name from the feature ("Ana"), and a generated user id, e-mail
//! and signed token, so no feature hard-codes an identity.

use fake::Fake;
use fake::faker::internet::en::SafeEmail;
use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;

/// How long a minted token is valid; longer than any scenario.
const TOKEN_LIFETIME_SECS: i64 = 3600;

/// One person using the product (or operating it).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The name the feature uses.
    pub name: String,
    /// The identity provider's user id (the token's `sub`).
    pub user_id: String,
    /// The e-mail claim.
    pub email: String,
    /// A bearer token the backend accepts.
    pub token: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    email: &'a str,
    iat: i64,
    exp: i64,
}

impl Actor {
    /// A new person called `name` with a generated id and e-mail, signed in with an HS256 token
    /// made with `jwt_secret` (the development auth mode of the backend).
    pub fn sign_in(name: &str, jwt_secret: &str) -> Self {
        let email: String = SafeEmail().fake();
        let user_id = format!("user_{}", random_suffix());
        Self::with_identity(name, &user_id, &email, jwt_secret)
    }

    /// A person with a given e-mail (an admin listed in `ADMIN_EMAILS`, say).
    pub fn with_identity(name: &str, user_id: &str, email: &str, jwt_secret: &str) -> Self {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user_id,
            email,
            iat: now,
            exp: now + TOKEN_LIFETIME_SECS,
        };
        let token = jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(jwt_secret.as_bytes()),
        )
        .expect("HS256 signing cannot fail for a byte secret");
        Actor {
            name: name.to_string(),
            user_id: user_id.to_string(),
            email: email.to_string(),
            token,
        }
    }
}

/// Sixteen random lowercase hex digits.
pub fn random_suffix() -> String {
    use rand::Rng;
    format!("{:016x}", rand::rng().random::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_in_actor_carries_a_token_for_its_own_id_and_email() {
        let ana = Actor::sign_in("Ana", "secret");
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        let decoded = jsonwebtoken::decode::<serde_json::Value>(
            &ana.token,
            &jsonwebtoken::DecodingKey::from_secret(b"secret"),
            &validation,
        )
        .unwrap();
        assert_eq!(decoded.claims["sub"], ana.user_id.as_str());
        assert_eq!(decoded.claims["email"], ana.email.as_str());
        assert!(ana.email.contains('@'));
    }
}
