//! `/graphql`: POST and GET execute operations; GET from a browser in the dev
//! profile serves the GraphiQL IDE.

use super::HttpState;
use crate::auth::Principal;
use crate::config::Profile;
use crate::graphql::error;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};

async fn execute(state: &HttpState, req: async_graphql::Request) -> GraphQLResponse {
    let req = crate::graphql::prepare(req, &state.app, Principal::anonymous());
    let mut resp = state.schema.execute(req).await;
    error::finalize(&mut resp);
    resp.into()
}

/// POST /graphql.
pub async fn post_graphql(State(state): State<HttpState>, req: GraphQLRequest) -> GraphQLResponse {
    execute(&state, req.into_inner()).await
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// GET /graphql: the IDE for browsers in the dev profile, else a query.
pub async fn get_graphql(
    State(state): State<HttpState>,
    headers: HeaderMap,
    req: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    if state.app.profile == Profile::Dev && wants_html(&headers) {
        return Html(GraphiQLSource::build().endpoint("/graphql").title("coopgate").finish()).into_response();
    }
    match req {
        Ok(r) => execute(&state, r.into_inner()).await.into_response(),
        Err(rejection) => rejection.into_response(),
    }
}
