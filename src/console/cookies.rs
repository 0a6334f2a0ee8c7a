//! The console's cookies: the session (`zs_session`, a sign-in's token) and the sign-in form's
//! CSRF value (`zs_login`). Both HttpOnly (no script reads them) and SameSite=Strict (no other
//! site's page sends them); `Secure` when the request came over HTTPS (directly or, behind a
//! proxy, by `X-Forwarded-Proto`). A caller must not put anything else in a cookie.

use poem::Request;

/// The session cookie's name.
pub const SESSION: &str = "zs_session";
/// The sign-in form's double-submit cookie's name.
pub const LOGIN: &str = "zs_login";

/// The value of the cookie `name` the request carries.
pub fn read(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

fn secure(req: &Request) -> &'static str {
    let https = req.uri().scheme_str() == Some("https")
        || req
            .header("x-forwarded-proto")
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

/// A `Set-Cookie` value for `name`, kept `max_age` seconds, for every console path.
pub fn set(req: &Request, name: &str, value: &str, max_age: i64) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        secure(req)
    )
}

/// A `Set-Cookie` value removing the cookie `name`.
pub fn clear(req: &Request, name: &str) -> String {
    set(req, name, "", 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_and_set_out_of_scripts_reach() {
        let req = Request::builder()
            .header("cookie", "a=1; zs_session=zs_abc ; b=2")
            .finish();
        assert_eq!(read(&req, SESSION).as_deref(), Some("zs_abc"));
        assert_eq!(read(&req, LOGIN), None);
        let cookie = set(&req, SESSION, "zs_abc", 60);
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"));
        let behind_proxy = Request::builder().header("x-forwarded-proto", "https").finish();
        assert!(set(&behind_proxy, SESSION, "x", 60).ends_with("; Secure"));
    }
}
