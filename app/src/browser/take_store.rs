//! Keeps the last recorded take in IndexedDB until the server has it, so a
//! reload, a closed tab or a crash between "stop" and "saved" does not lose
//! the moment. The record page offers a kept take back on the next visit.

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

/// Keeps `blob` (replacing any earlier unsaved take).
pub async fn keep(blob: &Blob, mime: &str) -> Result<(), String> {
    let database = open().await?;
    let value = Object::new();
    let _ = Reflect::set(&value, &"blob".into(), blob);
    let _ = Reflect::set(&value, &"mime".into(), &mime.into());
    let _ = Reflect::set(&value, &"savedAt".into(), &js_sys::Date::now().into());
    let request = store(&database, IdbTransactionMode::Readwrite)?
        .put_with_key(&value, &KEY.into())
        .map_err(|_| "IndexedDB cannot store the take.".to_owned())?;
    finish(&request).await.map(|_| ())
}

/// The kept take, if there is one.
pub async fn kept() -> Option<KeptTake> {
    let database = open().await.ok()?;
    let request = store(&database, IdbTransactionMode::Readonly).ok()?.get(&KEY.into()).ok()?;
    let value = finish(&request).await.ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
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
