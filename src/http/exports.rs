//! `GET /exports/{id}`: the file of a finished export, to the caller who
//! started it (same bearer subject), until it expires. Streamed chunk by
//! chunk from the database, so any replica serves it in constant memory.

use super::HttpState;
use crate::service::export;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;

/// The download route.
pub fn routes() -> Router<HttpState> {
    Router::new().route("/exports/{id}", get(download))
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

async fn download(
    State(state): State<HttpState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    let Ok(who) = super::auth::authenticate(&state, &headers, Some(addr.ip())) else {
        return super::auth::unauthenticated();
    };
    if who.role == crate::auth::Role::Anonymous {
        return plain(StatusCode::UNAUTHORIZED, "authentication required");
    }
    let Ok(id) = id.parse::<i64>() else { return plain(StatusCode::NOT_FOUND, "no such export") };
    let job = match export::job_for(&state.app, &who, id).await {
        Ok(Some(j)) => j,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "no such export"),
        Err(e) => {
            tracing::error!(error = %e, "export download failed");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };
    if !export::downloadable(&job) {
        return plain(StatusCode::GONE, "this export is not ready or has expired");
    }
    let format = export::Format::parse(&job.format).unwrap_or(export::Format::Jsonl);
    let ext = match format {
        export::Format::Jsonl => "jsonl",
        export::Format::Csv => "csv",
    };
    let app = state.app.clone();
    let stream = futures_util::stream::unfold(0i32, move |seq| {
        let app = app.clone();
        async move {
            match export::chunk(&app, id, seq).await {
                Ok(Some(bytes)) => Some((Ok::<_, std::io::Error>(bytes), seq + 1)),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, "export download interrupted");
                    Some((Err(std::io::Error::other("export download interrupted")), i32::MAX))
                }
            }
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(format.media_type()));
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"coopgate-export-{id}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(Ok(v)) = job.bytes.map(|b| header::HeaderValue::from_str(&b.to_string())) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}
