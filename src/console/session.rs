//! Who is signed in to the console: the session cookie's token checked as the API checks a
//! bearer token (`service::auth::authenticate`: unknown, revoked and expired tokens and
//! archived users are nobody), so a session ends when its token does. A page handler starts
//! with [`Session::page`] (a GET) or [`Session::form`] (a POST, with its CSRF token checked);
//! it must not read the cookie itself.

use poem::http::StatusCode;
use poem::{Request, Response};

use super::view::{Chrome, htmx, redirect, render, role_name};
use super::{cookies, csrf};
use crate::service::{Actor, auth};
use crate::state::AppState;

/// A signed-in user's request.
pub struct Session {
    pub actor: Actor,
    /// The session's token, as the cookie carries it.
    pub token: String,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// Whether htmx asked for a fragment.
    pub htmx: bool,
}

impl Session {
    /// The session of the request, or the sign-in page to go to (with where to come back).
    pub async fn page(req: &Request, state: &AppState) -> Result<Self, Response> {
        let token = cookies::read(req, cookies::SESSION);
        let actor = match &token {
            Some(token) => auth::authenticate(&state.tokens, &state.token_uses, &state.reader, token)
                .await
                .map_err(|err| super::view::error_page(err, None))?,
            None => None,
        };
        match (token, actor) {
            (Some(token), Some(actor)) => Ok(Self {
                csrf: csrf::for_session(&token),
                actor,
                token,
                htmx: htmx(req),
            }),
            _ => {
                let back = req.uri().path_and_query().map_or("/", |p| p.as_str());
                let to = if req.method() == poem::http::Method::GET && back != "/" {
                    format!("/login?next={}", percent_encode(back))
                } else {
                    "/login".to_owned()
                };
                Err(redirect(req, &to))
            }
        }
    }

    /// The session of a form's POST, whose CSRF token (the form's field, or htmx's
    /// `X-CSRF-Token` header) must be the session's; 403 otherwise, nothing done.
    pub async fn form(req: &Request, state: &AppState, sent: Option<&str>) -> Result<Self, Response> {
        let session = Self::page(req, state).await?;
        let sent = sent.or_else(|| req.header("x-csrf-token")).unwrap_or_default();
        if !csrf::matches(sent, &session.csrf) {
            return Err(render(
                StatusCode::FORBIDDEN,
                &super::view::ErrorPage {
                    chrome: None,
                    message: "表单已过期或来源不明，未作任何修改。请刷新页面后重试。".to_owned(),
                },
            ));
        }
        Ok(session)
    }

    /// The chrome of a page of this session.
    pub fn chrome(&self, title: impl Into<String>, here: &'static str) -> Chrome {
        Chrome {
            title: title.into(),
            here,
            username: self.actor.username.clone(),
            role: role_name(self.actor.role),
            csrf: self.csrf.clone(),
            full: !self.htmx,
        }
    }
}

/// `text` made safe inside a query string's value.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
