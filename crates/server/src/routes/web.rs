//! `GET /`: the web chat page (one self-contained HTML file, no build step).

use axum::response::Html;

const INDEX: &str = include_str!("../../web/index.html");

/// The web chat page.
#[utoipa::path(get, path = "/", tag = "web",
    responses((status = 200, description = "HTML", content_type = "text/html", body = String)))]
pub async fn index() -> Html<&'static str> {
    Html(INDEX)
}
