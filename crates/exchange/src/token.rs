//! Signed client tokens: a calling system proves which subsystem it is by a short-lived JWT
//! (EdDSA) signed with one of that subsystem's keys, sent in [`HEADER`]. The gateway checks it
//! against the public keys recorded for the subsystem; the token is never passed to providers.
//!
//! A subsystem may hold several keys: the node that hosts it signs evidence with one, and the
//! information system that calls through it signs its tokens with another
//! (`yagona exchange keygen` again, then `yagona exchange token`).

use crate::error::{ErrorKind, ExchangeError};
use crate::id::ClientId;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The request header that carries the token.
pub const HEADER: &str = "x-yagona-client-token";
/// The audience every token names.
pub const AUDIENCE: &str = "yagona-exchange";
/// The longest a token may live, in seconds: a stolen one is soon worthless.
pub const MAX_LIFETIME: i64 = 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// A token for `client`, valid for `lifetime` seconds from `now` (Unix time).
pub fn issue(key: &SigningKey, client: &ClientId, now: i64, lifetime: i64) -> String {
    let der = key.to_pkcs8_der().expect("an Ed25519 key encodes");
    let claims = Claims {
        sub: client.to_string(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + lifetime.clamp(1, MAX_LIFETIME),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::EdDSA),
        &claims,
        &EncodingKey::from_ed_der(der.as_bytes()),
    )
    .expect("signing with a valid key does not fail")
}

fn refused(why: impl Into<String>) -> ExchangeError {
    ExchangeError::new(ErrorKind::AuthenticationFailed, why)
}

/// Checks a token: signed by one of `keys_of(subject)`, for this audience, not expired, not
/// living longer than [`MAX_LIFETIME`]. Returns the subsystem it proves and when it expires.
pub fn verify(
    token: &str,
    keys_of: impl Fn(&ClientId) -> Vec<VerifyingKey>,
) -> Result<(ClientId, i64), ExchangeError> {
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "sub", "aud"]);
    validation.leeway = 30;
    // Read the subject first (unverified) to know whose keys to try.
    let mut peek = validation.clone();
    peek.insecure_disable_signature_validation();
    peek.validate_exp = false;
    let unverified = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&[]), &peek)
        .map_err(|e| refused(format!("the client token is not valid: {e}")))?;
    let client = ClientId::from_header(&unverified.claims.sub)
        .ok()
        .filter(|c| c.subsystem.is_some())
        .ok_or_else(|| refused("the client token's subject is not a subsystem"))?;
    let keys = keys_of(&client);
    if keys.is_empty() {
        return Err(refused(format!("{client} has no registered key")));
    }
    for key in keys {
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes());
        let Ok(decoding) = DecodingKey::from_ed_components(&x) else {
            continue;
        };
        let data = match jsonwebtoken::decode::<Claims>(token, &decoding, &validation) {
            Ok(data) => data,
            // The signature is checked before the claims: this key signed it, but too long ago.
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                return Err(refused("the client token has expired"));
            }
            Err(_) => continue,
        };
        {
            let c = data.claims;
            if c.exp - c.iat > MAX_LIFETIME {
                return Err(refused(format!(
                    "the client token lives longer than {MAX_LIFETIME} seconds"
                )));
            }
            return Ok((client, c.exp));
        }
    }
    Err(refused(format!(
        "the client token is not signed by a key of {client}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::generate_key;

    #[test]
    fn a_token_proves_its_subsystem_and_nothing_else() {
        let portal = ClientId::subsystem("UZ", "GOV", "305184297", "portal");
        let key = generate_key();
        let other = generate_key();
        let now = chrono::Utc::now().timestamp();
        let t = issue(&key, &portal, now, 600);
        let keys = |c: &ClientId| {
            if c == &portal {
                vec![other.verifying_key(), key.verifying_key()]
            } else {
                vec![]
            }
        };
        let (who, exp) = verify(&t, keys).unwrap();
        assert_eq!(who, portal);
        assert_eq!(exp, now + 600);

        let forged = issue(
            &other,
            &ClientId::subsystem("UZ", "GOV", "1", "x"),
            now,
            600,
        );
        assert_eq!(
            verify(&forged, keys).unwrap_err().kind,
            ErrorKind::AuthenticationFailed
        );
        let expired = issue(&key, &portal, now - 7200, 600);
        assert!(verify(&expired, keys)
            .unwrap_err()
            .message
            .contains("expired"));
        let only_other = |_: &ClientId| vec![other.verifying_key()];
        assert!(verify(&t, only_other).is_err());
        assert!(verify("not.a.token", keys).is_err());
        // A token edited to claim another subject fails its signature.
        let parts: Vec<&str> = t.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: serde_json::Value =
            serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        claims["exp"] = serde_json::json!(now + 3_000_000);
        let edited = format!(
            "{}.{}.{}",
            parts[0],
            b64.encode(claims.to_string()),
            parts[2]
        );
        assert!(verify(&edited, keys).is_err());
    }
}
