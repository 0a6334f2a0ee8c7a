//! The security headers every response carries, the API's, the docs', the spec's and every
//! error's alike: no MIME sniffing, no framing, no referrer, and a Content-Security-Policy
//! that lets the Swagger UI at `/docs` run and nothing else.
//!
//! The Swagger UI page (poem-openapi's) is one HTML document with its stylesheet and its
//! script bundle inline, and a second inline script that holds the spec and starts the UI; it
//! loads nothing from elsewhere, draws its icons from `data:` images in the stylesheet, and
//! sends "Try it out" requests to this server. The policy therefore allows exactly those
//! inline blocks, by their SHA-256 (computed from the page this build serves, so it follows
//! the spec and poem-openapi's upgrades), `data:` and same-origin images, and same-origin
//! requests; no other script, style, frame, form target or plugin. A caller must apply
//! [`headers`] outside `catch_all_error`, so that error responses carry them too.

use std::sync::OnceLock;

use base64::Engine;
use poem::middleware::SetHeader;
use sha2::{Digest, Sha256};

/// The middleware setting the headers on every response.
pub fn headers() -> SetHeader {
    SetHeader::new()
        .overriding("X-Content-Type-Options", "nosniff")
        .overriding("X-Frame-Options", "DENY")
        .overriding("Referrer-Policy", "no-referrer")
        .overriding("Content-Security-Policy", content_security_policy())
}

/// The policy, built once from the Swagger UI page.
pub fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| policy_for(&super::service().swagger_ui_html()))
}

/// The policy allowing the inline scripts and styles of `page`, and nothing else inline.
fn policy_for(page: &str) -> String {
    let scripts = inline_hashes(page, "script");
    let styles = inline_hashes(page, "style");
    format!(
        "default-src 'none'; script-src {scripts}; style-src {styles}; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// `'sha256-…'` of the content of every `<tag …>…</tag>` block of `page`, space-separated
/// (`'none'` when there is none), as a browser hashes an inline block: its text exactly as
/// between the tags, UTF-8.
fn inline_hashes(page: &str, tag: &str) -> String {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut hashes = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find(&open) {
        let after_open = &rest[start..];
        let Some(content_start) = after_open.find('>').map(|end| end + 1) else {
            break;
        };
        let Some(content_len) = after_open[content_start..].find(&close) else {
            break;
        };
        let content = &after_open[content_start..content_start + content_len];
        let digest = Sha256::digest(content.as_bytes());
        hashes.push(format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
        rest = &after_open[content_start + content_len + close.len()..];
    }
    if hashes.is_empty() {
        "'none'".to_owned()
    } else {
        hashes.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inline_block_is_hashed_as_a_browser_hashes_it() {
        let page = "<html><head><style charset=\"UTF-8\">p{}</style><script charset=\"UTF-8\">a()</script></head>\
                    <body><script>\n  b()\n</script></body></html>";
        let hash = |text: &str| {
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
            )
        };
        assert_eq!(
            inline_hashes(page, "script"),
            format!("{} {}", hash("a()"), hash("\n  b()\n"))
        );
        assert_eq!(inline_hashes(page, "style"), hash("p{}"));
        assert_eq!(inline_hashes("<html></html>", "script"), "'none'");
        // The SHA-256 of "alert('Hello, world.');", the example of the CSP specification.
        assert_eq!(
            hash("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
    }

    #[test]
    fn the_policy_allows_the_swagger_ui_and_nothing_from_elsewhere() {
        let policy = content_security_policy();
        assert!(policy.starts_with("default-src 'none'; "), "{policy}");
        assert_eq!(
            policy.matches("'sha256-").count(),
            3,
            "two scripts and a stylesheet: {policy}"
        );
        assert!(!policy.contains("unsafe") && !policy.contains("http"), "{policy}");
    }
}
