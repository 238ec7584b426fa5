//! Local-disk storage. A write goes to a hidden temporary file next to its
//! destination, is fsynced, and is renamed into place only when complete, so
//! a reader never sees half an object and a failed upload leaves nothing.

use super::{ByteRange, ByteStream, ObjectKey, ObjectMeta, PutError, StorageError};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Reads of up to this many bytes are done in one piece; longer ones
/// stream in pieces of this size.
const READ_AT_ONCE: usize = 256 * 1024;
/// Uploads are written to disk in pieces of this size.
const WRITE_AT_ONCE: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct LocalDisk {
    root: PathBuf,
}

/// Removes the temporary file unless the write completed — also when the
/// request is cancelled mid-upload and the future is dropped.
struct TempFileGuard(Option<PathBuf>);

impl Drop for TempFileGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl LocalDisk {
    /// Uses (and creates) `root` as the storage folder.
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<LocalDisk> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(LocalDisk { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path_of(&self, key: &ObjectKey) -> PathBuf {
        // Keys are server-made `{uuid}/{uuid}.{ext}`: safe to join as is.
        self.root.join(key.as_str())
    }

    pub async fn put_stream<S>(&self, key: &ObjectKey, body: S, max_bytes: u64) -> Result<u64, PutError>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
    {
        let (written, ()) = self.put_stream_and_inspect(key, body, max_bytes, |_| async {}).await?;
        Ok(written)
    }

    /// [`put_stream`](Self::put_stream), running `inspect` on the complete
    /// file while it is flushed to disk (the flush is most of a large
    /// write). The object appears at `key` only once both are done.
    pub async fn put_stream_and_inspect<S, F, Fut, T>(
        &self,
        key: &ObjectKey,
        mut body: S,
        max_bytes: u64,
        inspect: F,
    ) -> Result<(u64, T), PutError>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let path = self.path_of(key);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&dir).await.map_err(PutError::Storage)?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = dir.join(format!(".{file_name}.{}.part", uuid::Uuid::new_v4()));
        let mut guard = TempFileGuard(Some(temp.clone()));

        let file = tokio::fs::File::create(&temp).await.map_err(PutError::Storage)?;
        // Network chunks are small; each write of tokio's File is a trip to
        // the blocking pool. Gathered first, they go to disk a MiB at a
        // time, still while the next bytes arrive.
        let mut file = tokio::io::BufWriter::with_capacity(WRITE_AT_ONCE, file);
        let mut written: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(PutError::Body)?;
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(PutError::TooLarge { limit: max_bytes });
            }
            file.write_all(&chunk).await.map_err(PutError::Storage)?;
        }
        file.flush().await.map_err(PutError::Storage)?;
        let file = file.into_inner();
        let (synced, inspected) = tokio::join!(file.sync_all(), inspect(temp.clone()));
        synced.map_err(PutError::Storage)?;
        drop(file);
        tokio::fs::rename(&temp, &path).await.map_err(PutError::Storage)?;
        guard.0 = None;
        // Make the rename itself durable.
        if let Ok(dir) = tokio::fs::File::open(&dir).await {
            let _ = dir.sync_all().await;
        }
        Ok((written, inspected))
    }

    /// The object's bytes, or the `range` of them, in pieces of up to
    /// [`READ_AT_ONCE`]. The first piece is read before this returns, so a
    /// missing or short file is an error here, not halfway through a
    /// response. Opening and reading happen right on the async worker when
    /// the kernel has what they need in memory (see [`open_cached`] and
    /// [`read_cached`]) and in the blocking pool only when they would wait
    /// for the disk: that trip cost a small range (a player's first probe)
    /// more than the read itself.
    pub async fn read_range(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<ByteStream, StorageError> {
        let path = self.path_of(key);
        let file = match open_cached(&path) {
            Some(file) => file,
            None => blocking(move || std::fs::File::open(path)).await.map_err(not_found_or_io)?,
        };
        let file = std::sync::Arc::new(file);
        let (start, end) = match range {
            Some(range) => (range.start, range.end + 1),
            // fstat of an open file: its inode is in memory.
            None => (0, file.metadata()?.len()),
        };
        let first = read_piece(file.clone(), start, end).await?;
        let rest = futures::stream::try_unfold(start + first.len() as u64, move |at| {
            let file = file.clone();
            async move {
                let piece = read_piece(file, at, end).await?;
                let next = at + piece.len() as u64;
                Ok((!piece.is_empty()).then_some((piece, next)))
            }
        });
        Ok(futures::stream::once(futures::future::ready(Ok(first))).chain(rest).boxed())
    }

    pub async fn head(&self, key: &ObjectKey) -> Result<ObjectMeta, StorageError> {
        let meta = tokio::fs::metadata(self.path_of(key)).await.map_err(not_found_or_io)?;
        Ok(ObjectMeta { size: meta.len(), content_type: None })
    }

    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path_of(key)).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes the object and any unfinished write of it (the `.part` files
    /// a process killed mid-write leaves beside it).
    pub async fn discard(&self, key: &ObjectKey) -> Result<(), StorageError> {
        self.delete(key).await?;
        let path = self.path_of(key);
        let Some(dir) = path.parent().map(Path::to_path_buf) else { return Ok(()) };
        let prefix = format!(".{}.", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
        blocking(move || {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(err) => return Err(err),
            };
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(&prefix) && name.ends_with(".part") {
                    match std::fs::remove_file(entry.path()) {
                        Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
                        _ => {}
                    }
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn list_all(&self) -> Result<Vec<super::ListedObject>, StorageError> {
        let root = self.root.clone();
        let listed = blocking(move || {
            let mut found = Vec::new();
            let mut folders = vec![root.clone()];
            while let Some(folder) = folders.pop() {
                for entry in std::fs::read_dir(&folder)? {
                    let entry = entry?;
                    let kind = entry.file_type()?;
                    if kind.is_dir() {
                        folders.push(entry.path());
                    } else if kind.is_file() {
                        let meta = entry.metadata()?;
                        let path = entry.path();
                        let relative = path.strip_prefix(&root).unwrap_or(&path);
                        let name = relative.iter().map(|part| part.to_string_lossy()).collect::<Vec<_>>().join("/");
                        let modified_at = meta
                            .modified()
                            .ok()
                            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                            .map(|d| d.as_millis() as i64)
                            .unwrap_or(0);
                        found.push(super::ListedObject { name, size: meta.len(), modified_at });
                    }
                }
            }
            Ok(found)
        })
        .await?;
        Ok(listed)
    }

    /// Removes a file found by [`list_all`](Self::list_all) (an unfinished
    /// write has no [`ObjectKey`]). Refuses names that leave the folder.
    pub async fn delete_listed(&self, name: &str) -> Result<(), StorageError> {
        let relative = Path::new(name);
        if relative.is_absolute() || relative.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{name:?} is not under the storage folder")).into());
        }
        match tokio::fs::remove_file(self.root.join(relative)).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn ping(&self) -> Result<(), StorageError> {
        let meta = tokio::fs::metadata(&self.root).await?;
        if meta.permissions().readonly() {
            return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "storage folder is read-only").into());
        }
        Ok(())
    }
}

/// The next piece of `file` from `at`, up to [`READ_AT_ONCE`] bytes and not
/// past `end`; empty at `end`. A file that ends sooner is an error.
async fn read_piece(file: std::sync::Arc<std::fs::File>, at: u64, end: u64) -> std::io::Result<Bytes> {
    let len = end.saturating_sub(at).min(READ_AT_ONCE as u64) as usize;
    if len == 0 {
        return Ok(Bytes::new());
    }
    if let Some(bytes) = read_cached(&file, at, len) {
        return Ok(bytes);
    }
    blocking(move || {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0; len];
        file.read_exact_at(&mut bytes, at).map_err(|err| match err.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the object is shorter than asked")
            }
            _ => err,
        })?;
        Ok(Bytes::from(bytes))
    })
    .await
}

/// Runs `work` in tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(std::io::Error::other)?
}

/// The file at `path`, opened only if that needs no disk access: every
/// part of the path is in the kernel's lookup cache (`openat2` with
/// `RESOLVE_CACHED` fails with EAGAIN instead of waiting). `None` for that
/// and for any failure, which the blocking open then reports.
#[cfg(target_os = "linux")]
fn open_cached(path: &Path) -> Option<std::fs::File> {
    use rustix::fs::{openat2, Mode, OFlags, ResolveFlags, CWD};
    let flags = OFlags::RDONLY | OFlags::CLOEXEC;
    openat2(CWD, path, flags, Mode::empty(), ResolveFlags::CACHED).ok().map(std::fs::File::from)
}

/// `len` bytes of `file` from `at`, if they are all in the page cache
/// (`preadv2` with `RWF_NOWAIT` fails with EAGAIN, or reads less, instead
/// of waiting for the disk). `None` otherwise, or at the end of the file.
#[cfg(target_os = "linux")]
fn read_cached(file: &std::fs::File, at: u64, len: usize) -> Option<Bytes> {
    use rustix::io::{preadv2, ReadWriteFlags};
    let mut bytes = vec![0; len];
    let read = preadv2(file, &mut [std::io::IoSliceMut::new(&mut bytes)], at, ReadWriteFlags::NOWAIT).ok()?;
    (read == len).then(|| Bytes::from(bytes))
}

#[cfg(not(target_os = "linux"))]
fn open_cached(_: &Path) -> Option<std::fs::File> {
    None
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_: &std::fs::File, _: u64, _: usize) -> Option<Bytes> {
    None
}

fn not_found_or_io(err: std::io::Error) -> StorageError {
    if err.kind() == std::io::ErrorKind::NotFound {
        StorageError::NotFound
    } else {
        StorageError::Io(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    #[tokio::test]
    async fn the_inspection_sees_the_complete_file_before_the_object_appears() {
        let root = tempfile::tempdir().unwrap();
        let disk = LocalDisk::new(root.path()).unwrap();
        let key = ObjectKey::for_echo(uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), "wav");
        let chunks: Vec<std::io::Result<Bytes>> =
            (0..40u8).map(|i| Ok(Bytes::from(vec![i; 64 * 1024 + usize::from(i)]))).collect();
        let expected: Vec<u8> = chunks.iter().flat_map(|c| c.as_ref().unwrap().to_vec()).collect();
        let target = disk.path_of(&key);
        let (written, (seen, object_existed)) = disk
            .put_stream_and_inspect(&key, futures::stream::iter(chunks), u64::MAX, |path| async move {
                (std::fs::read(path).unwrap(), target.exists())
            })
            .await
            .unwrap();
        assert_eq!(written, expected.len() as u64);
        assert!(seen == expected, "the inspection read {} of {} bytes", seen.len(), expected.len());
        assert!(!object_existed, "the object appears only after the inspection");
        assert_eq!(std::fs::read(disk.path_of(&key)).unwrap(), expected);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn what_is_in_memory_is_opened_and_read_at_once_and_anything_else_is_left_to_the_blocking_path() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("cached.wav");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(READ_AT_ONCE * 2).collect();
        std::fs::write(&path, &bytes).unwrap();
        // Just written and looked up, so in the kernel's caches.
        let file = open_cached(&path).expect("opened without blocking");
        assert_eq!(read_cached(&file, 0, 2).expect("read without blocking").as_ref(), &bytes[..2]);
        assert_eq!(read_cached(&file, 1000, 1000).unwrap().as_ref(), &bytes[1000..2000]);
        // Past the end, or missing: not here.
        assert_eq!(read_cached(&file, bytes.len() as u64 - 1, 10), None);
        assert!(open_cached(&root.path().join("gone.wav")).is_none());
    }

    #[tokio::test]
    async fn ranges_come_whole_in_pieces_and_a_short_file_is_an_error_before_the_first_byte() {
        let root = tempfile::tempdir().unwrap();
        let disk = LocalDisk::new(root.path()).unwrap();
        let key = ObjectKey::for_echo(uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), "wav");
        let bytes: Vec<u8> = (0..=250u8).cycle().take(READ_AT_ONCE * 3 + 17).collect();
        std::fs::create_dir_all(disk.path_of(&key).parent().unwrap()).unwrap();
        std::fs::write(disk.path_of(&key), &bytes).unwrap();
        let collect = |range| {
            let disk = disk.clone();
            let key = key.clone();
            async move {
                let pieces: Vec<Bytes> = disk.read_range(&key, range).await?.try_collect().await?;
                assert!(pieces.iter().all(|p| !p.is_empty() && p.len() <= READ_AT_ONCE));
                Ok::<_, StorageError>(pieces.concat())
            }
        };
        assert_eq!(collect(None).await.unwrap(), bytes);
        let end = bytes.len() as u64 - 1;
        for (start, last) in [(0, 1), (5, READ_AT_ONCE as u64 + 5), (end, end), (100, end)] {
            let range = ByteRange { start, end: last };
            assert_eq!(collect(Some(range)).await.unwrap(), &bytes[start as usize..=last as usize], "{range:?}");
        }
        let past = ByteRange { start: end - 1, end: end + 5 };
        assert!(matches!(disk.read_range(&key, Some(past)).await, Err(StorageError::Io(_))));
        let gone = ObjectKey::for_echo(uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), "wav");
        assert!(matches!(disk.read_range(&gone, None).await, Err(StorageError::NotFound)));
    }
}
