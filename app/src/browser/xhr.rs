//! XMLHttpRequest as a future, because `fetch` cannot report upload
//! progress: the upload page shows a real progress bar from the XHR
//! `upload.onprogress` events.

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, FormData, ProgressEvent, XmlHttpRequest};

/// What an XHR can carry here.
pub enum Body<'a> {
    /// A file (or any blob), sent as is: the presigned PUT.
    Blob(&'a Blob),
    /// A multipart form: the upload through the server.
    Form(&'a FormData),
}

/// What came back: the status and the body as text.
pub struct XhrResponse {
    pub status: u16,
    pub body: String,
}

/// Sends `body` and calls `on_progress(sent, total)` as it goes up.
/// Fails only when the request could not be made at all (network, CORS).
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Body<'_>,
    on_progress: impl Fn(f64, f64) + 'static,
) -> Result<XhrResponse, String> {
    let xhr = XmlHttpRequest::new().map_err(describe)?;
    xhr.open_with_async(method, url, true).map_err(describe)?;
    for (name, value) in headers {
        // The browser sets these itself and refuses to let a page do it.
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("host") {
            continue;
        }
        xhr.set_request_header(name, value).map_err(describe)?;
    }

    let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() {
            on_progress(event.loaded(), event.total());
        }
    });
    xhr.upload().map_err(describe)?.set_onprogress(Some(progress.as_ref().unchecked_ref()));

    let (done_tx, done_rx) = oneshot::channel::<bool>();
    let done_tx = std::rc::Rc::new(std::cell::RefCell::new(Some(done_tx)));
    let finish = |ok: bool| {
        let done_tx = done_tx.clone();
        Closure::<dyn Fn()>::new(move || {
            if let Some(tx) = done_tx.borrow_mut().take() {
                let _ = tx.send(ok);
            }
        })
    };
    let on_load = finish(true);
    let on_error = finish(false);
    let on_abort = finish(false);
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));

    match body {
        Body::Blob(blob) => xhr.send_with_opt_blob(Some(blob)),
        Body::Form(form) => xhr.send_with_opt_form_data(Some(form)),
    }
    .map_err(describe)?;
    let loaded = done_rx.await.unwrap_or(false);
    // The closures must live until the request is over.
    drop((progress, on_load, on_error, on_abort));
    if !loaded {
        return Err("The connection failed before the upload finished.".to_owned());
    }
    Ok(XhrResponse { status: xhr.status().unwrap_or(0), body: xhr.response_text().ok().flatten().unwrap_or_default() })
}

fn describe(err: JsValue) -> String {
    err.as_string().unwrap_or_else(|| format!("{err:?}"))
}
