//! Signing in (username and password, `service::auth::login`: the same throttle and the same
//! 12-hour token as `POST /api/v1/sessions`) and signing out (the session's token revoked).
//! The sign-in form double-submits a random value ([`super::csrf`]); the sign-out form carries
//! the session's CSRF token.

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query, RemoteAddr};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::session::Session;
use super::view::{redirect, refusal, render};
use super::{cookies, csrf};
use crate::service::auth;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only a path of this server is somewhere to go back to after signing in.
fn local(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn login_page(req: &Request, status: StatusCode, next: String, username: String, error: Option<String>) -> Response {
    let value = csrf::fresh();
    let mut response = render(
        status,
        &LoginPage {
            csrf: value.clone(),
            next,
            username,
            error,
        },
    );
    if let Ok(cookie) = cookies::set(req, cookies::LOGIN, &value, 3600).parse() {
        response.headers_mut().append("set-cookie", cookie);
    }
    response
}

/// The sign-in form.
#[handler]
pub async fn sign_in_form(req: &Request, Query(next): Query<Next>) -> Response {
    login_page(req, StatusCode::OK, local(next.next.as_deref()), String::new(), None)
}

#[derive(Deserialize)]
pub struct SignIn {
    csrf: Option<String>,
    username: String,
    password: String,
    next: Option<String>,
}

/// Signs in: sets the session cookie and goes where the user was going; the form again with
/// the refusal in words otherwise.
#[handler]
pub async fn sign_in(req: &Request, state: Data<&AppState>, remote: &RemoteAddr, Form(form): Form<SignIn>) -> Response {
    let next = local(form.next.as_deref());
    let expected = cookies::read(req, cookies::LOGIN).unwrap_or_default();
    if !csrf::matches(form.csrf.as_deref().unwrap_or_default(), &expected) {
        let words = "登录表单已过期，请重新输入用户名和密码。".to_owned();
        return login_page(req, StatusCode::FORBIDDEN, next, form.username, Some(words));
    }
    let client = remote
        .as_socket_addr()
        .map_or_else(|| remote.to_string(), |addr| addr.ip().to_string());
    match auth::login(
        &state.db,
        &state.login_throttle,
        &client,
        form.username.trim(),
        &form.password,
    )
    .await
    {
        Ok((token, model)) => {
            let max_age = model.expires_at.map_or(auth::SESSION_LENGTH.num_seconds(), |at| {
                (at - crate::service::now()).num_seconds()
            });
            let mut response = redirect(req, &next);
            for cookie in [
                cookies::set(req, cookies::SESSION, &token, max_age),
                cookies::clear(req, cookies::LOGIN),
            ] {
                if let Ok(value) = cookie.parse() {
                    response.headers_mut().append("set-cookie", value);
                }
            }
            response
        }
        Err(err) => {
            let (status, words) = refusal(err);
            login_page(req, status, next, form.username, Some(words))
        }
    }
}

#[derive(Deserialize)]
pub struct SignOut {
    csrf: Option<String>,
}

/// Signs out: revokes the session's token and clears the cookie.
#[handler]
pub async fn sign_out(req: &Request, state: Data<&AppState>, Form(form): Form<SignOut>) -> Response {
    let session = match Session::form(req, &state, form.csrf.as_deref()).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    if let Err(err) = auth::sign_out(&state.db, &session.actor, &session.token).await {
        return super::view::error_page(err, None);
    }
    state.tokens.clear();
    let mut response = redirect(req, "/login");
    if let Ok(value) = cookies::clear(req, cookies::SESSION).parse() {
        response.headers_mut().append("set-cookie", value);
    }
    response
}
