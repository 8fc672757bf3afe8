//! `GET /`: the web chat page (one self-contained HTML file, no build step).

use axum::response::Html;

const INDEX: &str = include_str!("../../web/index.html");

pub async fn index() -> Html<&'static str> {
    Html(INDEX)
}
