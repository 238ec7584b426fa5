//! Internal errors are logged once, here, inside the request's span (which
//! names the matched route), with their cause — never shown to a person.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use app::error::report;

pub async fn log_internal_errors(request: Request, next: Next) -> Response {
    let (response, errors) = report::capture(next.run(request)).await;
    for error in &errors {
        report::log(error);
    }
    response
}
