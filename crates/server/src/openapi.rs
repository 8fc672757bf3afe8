//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, derived from the handlers'
//! `#[utoipa::path]` descriptions and the wire types (`crate::wire`), so it cannot drift from
//! what the server sends. A test keeps its paths equal to [`crate::ROUTES`].

use std::sync::OnceLock;

use utoipa::OpenApi;

use crate::routes::ApiDoc;

/// The document as JSON (built once).
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document serialises")
    })
}
