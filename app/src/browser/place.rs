//! The browser's position, asked for only when the person ticks "Add where
//! this was recorded". The server coarsens it unless they ask for the exact
//! spot.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Position, PositionError};

/// Calls `done` once with `(latitude, longitude)` or a message.
pub fn locate(done: impl Fn(Result<(f64, f64), String>) + 'static) {
    let Some(geolocation) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
        done(Err("This browser cannot tell where you are.".into()));
        return;
    };
    let done = std::rc::Rc::new(done);
    let on_found = {
        let done = done.clone();
        Closure::once_into_js(move |position: Position| {
            let coords = position.coords();
            done(Ok((coords.latitude(), coords.longitude())));
        })
    };
    let on_error = Closure::once_into_js(move |error: PositionError| {
        done(Err(match error.code() {
            PositionError::PERMISSION_DENIED => {
                "Echoes may not know your location; the echo is saved without it.".into()
            }
            _ => "Your location could not be found; the echo is saved without it.".into(),
        }))
    });
    let _ =
        geolocation.get_current_position_with_error_callback(on_found.unchecked_ref(), Some(on_error.unchecked_ref()));
}
