//! Keeps the take in IndexedDB until the server has it. While recording,
//! each one-second chunk is stored as it arrives (so a crash mid-take keeps
//! what was recorded so far); on stop, the whole take replaces the chunks.
//! The record page offers a kept take back on the next visit.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "echoes";
const STORE: &str = "takes";
const KEY: &str = "unsaved";

/// A take found in the browser's storage.
pub struct KeptTake {
    pub blob: Blob,
    pub mime: String,
    /// When it was recorded (ms since the epoch).
    pub saved_at: f64,
}

/// Chunks are keyed so that key order is recording order.
fn chunk_key(index: usize) -> String {
    format!("chunk-{index:06}")
}

fn record(blob: &Blob, mime: &str, at: f64) -> Object {
    let value = Object::new();
    let _ = Reflect::set(&value, &"blob".into(), blob);
    let _ = Reflect::set(&value, &"mime".into(), &mime.into());
    let _ = Reflect::set(&value, &"savedAt".into(), &at.into());
    value
}

/// Stores chunk `index` of the take being recorded (started at `started_at`).
pub async fn keep_chunk(index: usize, blob: &Blob, mime: &str, started_at: f64) -> Result<(), String> {
    let database = open().await?;
    let request = store(&database, IdbTransactionMode::Readwrite)?
        .put_with_key(&record(blob, mime, started_at), &chunk_key(index).into())
        .map_err(|_| "IndexedDB cannot store the chunk.".to_owned())?;
    finish(&request).await.map(|_| ())
}

/// Waits for an IndexedDB request and returns its result.
async fn finish(request: &IdbRequest) -> Result<JsValue, String> {
    let (tx, rx) = oneshot::channel::<bool>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let settle = |ok: bool| {
        let tx = tx.clone();
        Closure::<dyn Fn()>::new(move || {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(ok);
            }
        })
    };
    let (on_success, on_error) = (settle(true), settle(false));
    request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
    request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let ok = rx.await.unwrap_or(false);
    drop((on_success, on_error));
    if ok {
        request.result().map_err(|_| "IndexedDB gave no result.".to_owned())
    } else {
        Err("IndexedDB refused the request.".to_owned())
    }
}

async fn open() -> Result<IdbDatabase, String> {
    let factory =
        web_sys::window().and_then(|w| w.indexed_db().ok().flatten()).ok_or("This browser has no IndexedDB.")?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1).map_err(|_| "IndexedDB cannot open.")?;
    let upgrade = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let database = event
            .target()
            .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(database) = database {
            let _ = database.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let database = finish(&request).await?;
    drop(upgrade);
    database.dyn_into::<IdbDatabase>().map_err(|_| "IndexedDB gave no database.".to_owned())
}

fn store(database: &IdbDatabase, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, String> {
    database
        .transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .map_err(|_| "IndexedDB cannot start a transaction.".to_owned())
}

/// Keeps the finished take, replacing its chunks and any earlier take.
pub async fn keep(blob: &Blob, mime: &str) -> Result<(), String> {
    let database = open().await?;
    let store = store(&database, IdbTransactionMode::Readwrite)?;
    store.clear().map_err(|_| "IndexedDB cannot clear.".to_owned())?;
    let request = store
        .put_with_key(&record(blob, mime, js_sys::Date::now()), &KEY.into())
        .map_err(|_| "IndexedDB cannot store the take.".to_owned())?;
    finish(&request).await.map(|_| ())
}

/// The chunks of a take that was never stopped (a reload or crash while
/// recording), joined back into one recording.
async fn interrupted(database: &IdbDatabase) -> Option<KeptTake> {
    let request = store(database, IdbTransactionMode::Readonly).ok()?.get_all().ok()?;
    let values: js_sys::Array = finish(&request).await.ok()?.dyn_into().ok()?;
    let parts = js_sys::Array::new();
    let (mut mime, mut started_at) = (None, 0.0);
    for value in values.iter() {
        let Some(blob) = Reflect::get(&value, &"blob".into()).ok().and_then(|b| b.dyn_into::<Blob>().ok()) else {
            continue;
        };
        parts.push(&blob);
        mime = mime.or_else(|| Reflect::get(&value, &"mime".into()).ok().and_then(|m| m.as_string()));
        started_at = Reflect::get(&value, &"savedAt".into()).ok().and_then(|t| t.as_f64()).unwrap_or(started_at);
    }
    let mime = mime?;
    let kind = web_sys::BlobPropertyBag::new();
    kind.set_type(&mime);
    let blob = Blob::new_with_blob_sequence_and_options(&parts, &kind).ok().filter(|b| b.size() > 0.0)?;
    Some(KeptTake { blob, mime, saved_at: started_at })
}

/// The kept take, if there is one.
pub async fn kept() -> Option<KeptTake> {
    let database = open().await.ok()?;
    let request = store(&database, IdbTransactionMode::Readonly).ok()?.get(&KEY.into()).ok()?;
    let value = finish(&request).await.ok()?;
    if value.is_undefined() || value.is_null() {
        return interrupted(&database).await;
    }
    Some(KeptTake {
        blob: Reflect::get(&value, &"blob".into()).ok()?.dyn_into().ok()?,
        mime: Reflect::get(&value, &"mime".into()).ok()?.as_string()?,
        saved_at: Reflect::get(&value, &"savedAt".into()).ok()?.as_f64().unwrap_or(0.0),
    })
}

/// Forgets the kept take (saved on the server, or discarded).
pub async fn forget() {
    if let Ok(database) = open().await {
        if let Ok(request) = store(&database, IdbTransactionMode::Readwrite)
            .and_then(|s| s.delete(&KEY.into()).map_err(|_| "IndexedDB cannot delete.".to_owned()))
        {
            let _ = finish(&request).await;
        }
    }
}
