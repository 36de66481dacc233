//! The counter staff's web UI (窓口・審査・管理者・監査), in Japanese.
//!
//! Three static files compiled into the binary (no CDN, no build step): `index.html`,
//! `app.css` (the Digital Agency design system's colours, type scale, spacing and focus
//! style) and `app.js`, which draws each screen from the JSON API with the session
//! cookie, the CSRF token and the stated purpose. Every read and change therefore goes
//! through the same route table, policies and audit log as any other client; the UI
//! adds no route that touches personal data.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

const INDEX: &str = include_str!("../ui/index.html");
const CSS: &str = include_str!("../ui/app.css");
const JS: &str = include_str!("../ui/app.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

async fn index() -> Response {
    asset(INDEX, "text/html; charset=utf-8")
}
async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}
async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

/// The UI's routes: public static files (they hold no data), outside the API's table.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(index))
        .route("/ui/app.css", get(css))
        .route("/ui/app.js", get(js))
}
