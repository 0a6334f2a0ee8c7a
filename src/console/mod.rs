//! The web console at `/`: pages in Chinese (工作台, 项目看板, 项目) for members, team leads,
//! leaders and admins, rendered on the server from askama templates compiled into the binary
//! (`templates/console/`), with htmx (vendored in `static/`, see `static/VENDORED.md`) swapping
//! fragments where a browser runs scripts; every form works without it.
//!
//! The pages are views over the services the API calls, with the same actor: the console
//! never decides a rule (who may, which stage, how money and dates are read, the version
//! check, the audit entry) and must not; it turns form fields into the services' inputs and
//! their results and refusals into HTML. A session is a password sign-in's token
//! (`service::auth::login`) carried by an HttpOnly, SameSite=Strict cookie ([`cookies`]);
//! every POST carries a CSRF token derived from it ([`csrf`]). Module per area: `login`,
//! `home`, `board`, `projects`, `records`; [`view`] holds the page chrome, the rendering and the
//! one place a service's refusal becomes the user's words.
//!
//! Requests to the console's paths ([`owns`]) are answered in Chinese whatever the browser's
//! `Accept-Language`, and carry the console's Content-Security-Policy ([`POLICY`]: scripts,
//! styles and everything else from this server only, nothing inline) instead of the API's.

pub mod assets;
mod board;
pub mod cookies;
pub mod csrf;
mod home;
mod login;
mod projects;
mod records;
mod session;
pub mod view;

use poem::endpoint::BoxEndpoint;
use poem::http::HeaderValue;
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Route, get, post};

/// The console's Content-Security-Policy: nothing from elsewhere, nothing inline, forms posted
/// to this server only.
pub const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

/// The paths the console answers (every other belongs to the API, the docs and the spec).
const PREFIXES: [&str; 5] = ["/login", "/logout", "/board", "/projects", "/static/"];

/// Whether `path` is one of the console's.
pub fn owns(path: &str) -> bool {
    path == "/"
        || PREFIXES
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{}/", p.trim_end_matches('/'))))
}

/// The console's routes, with `api` nested at `/` for every other path. (A route at `/` beside
/// an endpoint nested at `/` would never be reached: the nested one's catch-all wins, so `/`
/// itself is answered by `Root`.)
pub fn mount<A: IntoEndpoint>(api: A) -> Route
where
    A::Endpoint: 'static,
{
    Route::new()
        .nest(
            "/",
            Root {
                api: api.into_endpoint().map_to_response().boxed(),
                home: home::page.map_to_response().boxed(),
            },
        )
        .at("/login", get(login::sign_in_form).post(login::sign_in))
        .at("/logout", post(login::sign_out))
        .at("/board", get(board::page))
        .at("/projects", get(projects::list).post(projects::create_new))
        .at("/projects/new", get(projects::new_form))
        .at("/projects/:id", get(projects::project).post(projects::save_edit))
        .at("/projects/:id/move", get(board::move_form).post(board::move_project))
        .at("/projects/:id/payments", post(records::add_payment))
        .at("/projects/:id/payments/:payment/delete", post(records::remove_payment))
        .at("/projects/:id/activities", post(records::add_follow_up))
        .at("/static/*path", get(assets::serve))
}

/// `/` itself (工作台), and every other path nested at `/` (the API's).
struct Root {
    api: BoxEndpoint<'static>,
    home: BoxEndpoint<'static>,
}

impl Endpoint for Root {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.uri().path() == "/" {
            self.home.call(req).await
        } else {
            self.api.call(req).await
        }
    }
}

/// Around the whole app, outside the API's middleware: a console request is served in
/// Chinese (its `Accept-Language` dropped before the API's language middleware reads it) and
/// answered with the console's policy in place of the API's.
pub async fn around<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let console = owns(req.uri().path());
    if console {
        req.headers_mut().remove("accept-language");
    }
    let mut response = next.call(req).await?.into_response();
    if console {
        response
            .headers_mut()
            .insert("content-security-policy", HeaderValue::from_static(POLICY));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_console_owns_its_pages_and_nothing_of_the_api() {
        for path in [
            "/",
            "/login",
            "/board",
            "/projects",
            "/projects/3/move",
            "/static/htmx.min.js",
        ] {
            assert!(super::owns(path), "{path}");
        }
        for path in [
            "/api/v1/projects",
            "/health",
            "/docs",
            "/openapi.json",
            "/loginx",
            "/projectsx",
        ] {
            assert!(!super::owns(path), "{path}");
        }
    }
}
