//! CSRF tokens of the console's forms. Signed in, a form's token is derived from the session's
//! token (SHA-256 of it under this module's own label, so it is neither the token nor the
//! digest the database keeps), which only a page served to that session knows; the sign-in
//! form, before there is a session, double-submits a random value also set in a cookie
//! ([`super::cookies::LOGIN`]). Every POST handler checks one or the other before doing
//! anything; a caller must not skip it for a "harmless" form.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// The form field (and the `X-CSRF-Token` header htmx may send instead).
pub const FIELD: &str = "csrf";

/// The CSRF token of the session whose token is `session_token`.
pub fn for_session(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"zhaoshang console csrf\0");
    hasher.update(session_token.as_bytes());
    hex::encode(hasher.finalize())
}

/// A fresh random value for the sign-in form's double submit.
pub fn fresh() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether `sent` equals `expected`, compared in constant time; an empty value never matches.
pub fn matches(sent: &str, expected: &str) -> bool {
    if sent.is_empty() || sent.len() != expected.len() {
        return false;
    }
    sent.bytes()
        .zip(expected.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sessions_token_is_its_own_and_checked_exactly() {
        let a = for_session("zs_one");
        assert_eq!(a, for_session("zs_one"));
        assert_ne!(a, for_session("zs_two"));
        assert!(matches(&a, &a));
        assert!(!matches(&a[1..], &a) && !matches("", "") && !matches(&for_session("zs_two"), &a));
    }
}
