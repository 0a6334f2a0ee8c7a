//! The console's static files (htmx, the stylesheet), embedded in the binary from
//! `src/console/static/` and served under `/static/`; third-party files are listed with their
//! version and licence in `static/VENDORED.md`. Nothing is fetched from elsewhere.

use poem::http::StatusCode;
use poem::web::Path;
use poem::{Response, handler};

#[derive(rust_embed::Embed)]
#[folder = "src/console/static/"]
#[include = "*.js"]
#[include = "*.css"]
struct Static;

/// A file by its name, with a day's caching; 404 for any other name.
#[handler]
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = Static::get(&path) else {
        return Response::builder().status(StatusCode::NOT_FOUND).body("");
    };
    let content_type = if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    Response::builder()
        .content_type(content_type)
        .header("cache-control", "public, max-age=86400")
        .body(file.data.into_owned())
}
