//! Deletes an object unless the work that made it finished — including when
//! the request is cancelled (the client went away) and its future dropped
//! halfway, where no `?` or error branch would ever run.

use super::{ObjectKey, Storage};

#[must_use = "the object is deleted when the guard is dropped unless `keep` is called"]
pub struct DeleteUnlessKept {
    storage: Storage,
    key: Option<ObjectKey>,
}

impl DeleteUnlessKept {
    pub fn new(storage: &Storage, key: &ObjectKey) -> DeleteUnlessKept {
        DeleteUnlessKept { storage: storage.clone(), key: Some(key.clone()) }
    }

    /// The work is done: the object stays.
    pub fn keep(mut self) {
        self.key = None;
    }

    /// The work failed: delete the object now, before answering.
    pub async fn delete_now(mut self) {
        if let Some(key) = self.key.take() {
            if let Err(err) = self.storage.delete(&key).await {
                tracing::error!(%key, error = %err, "could not remove the object of a refused upload");
            }
        }
    }
}

impl Drop for DeleteUnlessKept {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let storage = self.storage.clone();
        // Drop cannot wait; the delete runs on its own. Outside a runtime
        // (never in the server) there is nothing to run it on.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                match storage.delete(&key).await {
                    Ok(()) => tracing::debug!(%key, "removed the object of an unfinished upload"),
                    Err(err) => {
                        tracing::error!(%key, error = %err, "could not remove the object of an unfinished upload")
                    }
                }
            });
        }
    }
}
