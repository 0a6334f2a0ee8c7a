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
    let blocks = inline_blocks(page);
    let hashes = |tag: &str| {
        let hashes: Vec<String> = blocks
            .iter()
            .filter(|(t, _)| *t == tag)
            .map(|(_, content)| {
                let digest = Sha256::digest(content.as_bytes());
                format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
            })
            .collect();
        if hashes.is_empty() {
            "'none'".to_owned()
        } else {
            hashes.join(" ")
        }
    };
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        hashes("script"),
        hashes("style")
    )
}

/// Every inline `<script>` and `<style>` block of `page`, in order, as `(tag, content)`: the
/// content exactly as between the tags, which is what a browser hashes. As an HTML parser
/// reads it, a block's text runs to its closing tag, whatever it spells (a script may well
/// hold `"<style"` in a string).
fn inline_blocks(page: &str) -> Vec<(&'static str, &str)> {
    let mut blocks = Vec::new();
    let mut rest = page;
    loop {
        let next = ["script", "style"]
            .into_iter()
            .filter_map(|tag| rest.find(&format!("<{tag}")).map(|at| (at, tag)))
            .min();
        let Some((at, tag)) = next else {
            break;
        };
        let block = &rest[at..];
        let Some(start) = block.find('>').map(|end| end + 1) else {
            break;
        };
        let close = format!("</{tag}>");
        let Some(len) = block[start..].find(&close) else {
            break;
        };
        blocks.push((tag, &block[start..start + len]));
        rest = &block[start + len + close.len()..];
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inline_block_is_found_as_a_browser_parses_it() {
        let page = "<html><head><style charset=\"UTF-8\">p{}</style><script charset=\"UTF-8\">a(\"<style>\")</script></head>\
                    <body><script>\n  b()\n</script></body></html>";
        assert_eq!(
            inline_blocks(page),
            [("style", "p{}"), ("script", "a(\"<style>\")"), ("script", "\n  b()\n")]
        );
        assert!(inline_blocks("<html></html>").is_empty());
        assert!(policy_for("<html></html>").contains("script-src 'none'; style-src 'none'"));
        // The SHA-256 of "alert('Hello, world.');", the example of the CSP specification.
        assert!(
            policy_for("<script>alert('Hello, world.');</script>")
                .contains("script-src 'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng=';")
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
