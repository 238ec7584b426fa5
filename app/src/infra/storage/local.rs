//! Local-disk storage. A write goes to a hidden temporary file next to its
//! destination, is fsynced, and is renamed into place only when complete, so
//! a reader never sees half an object and a failed upload leaves nothing.

use super::{ByteRange, ByteStream, ObjectKey, ObjectMeta, PutError, StorageError};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

/// Reads of up to this many bytes are done in one piece; longer ones
/// stream in pieces of this size.
const READ_AT_ONCE: usize = 256 * 1024;

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

        let mut file = tokio::fs::File::create(&temp).await.map_err(PutError::Storage)?;
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

    /// The object's bytes, or the `range` of them. A short range whose
    /// bytes are in memory is read at once (see [`read_cached`]); else
    /// opening, seeking and
    /// (for a range of up to [`READ_AT_ONCE`], like a player's probe of
    /// the first bytes) reading happen in one trip to the blocking pool;
    /// longer reads stream in chunks of that size.
    pub async fn read_range(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<ByteStream, StorageError> {
        use std::io::{Read, Seek};
        enum Opened {
            /// Positioned at the start; the bytes to send (`None`: to the end).
            Stream(std::fs::File, Option<u64>),
            Read(Bytes),
        }
        let path = self.path_of(key);
        if let Some(bytes) = range.and_then(|range| read_cached(&path, range)) {
            return Ok(futures::stream::once(futures::future::ready(Ok(bytes))).boxed());
        }
        let opened = tokio::task::spawn_blocking(move || -> std::io::Result<Opened> {
            let mut file = std::fs::File::open(path)?;
            let Some(range) = range else {
                return Ok(Opened::Stream(file, None));
            };
            file.seek(SeekFrom::Start(range.start))?;
            if range.len() > READ_AT_ONCE as u64 {
                return Ok(Opened::Stream(file, Some(range.len())));
            }
            let mut bytes = Vec::with_capacity(range.len() as usize);
            file.take(range.len()).read_to_end(&mut bytes)?;
            if (bytes.len() as u64) < range.len() {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the object is shorter than asked"));
            }
            Ok(Opened::Read(Bytes::from(bytes)))
        })
        .await
        .map_err(std::io::Error::other)?;
        Ok(match opened.map_err(not_found_or_io)? {
            Opened::Read(bytes) => futures::stream::once(futures::future::ready(Ok(bytes))).boxed(),
            Opened::Stream(file, None) => ReaderStream::with_capacity(tokio::fs::File::from_std(file), READ_AT_ONCE).boxed(),
            Opened::Stream(file, Some(len)) => {
                ReaderStream::with_capacity(tokio::fs::File::from_std(file).take(len), READ_AT_ONCE).boxed()
            }
        })
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
        tokio::task::spawn_blocking(move || {
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
        .await
        .map_err(std::io::Error::other)??;
        Ok(())
    }

    pub async fn list_all(&self) -> Result<Vec<super::ListedObject>, StorageError> {
        let root = self.root.clone();
        let listed = tokio::task::spawn_blocking(move || {
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
            Ok::<_, std::io::Error>(found)
        })
        .await
        .map_err(std::io::Error::other)??;
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

/// The `range` of the file at `path` when that needs no disk access at all
/// (its path and its bytes are in the kernel's caches): opened and read
/// right here, without the trip to the blocking pool that costs a small
/// range (a player's first probe) more than the read. `None` when that
/// would wait for the disk, or for any failure: the blocking path then
/// reads it (and reports the error) as before.
#[cfg(target_os = "linux")]
fn read_cached(path: &Path, range: ByteRange) -> Option<Bytes> {
    use rustix::fs::{openat2, Mode, OFlags, ResolveFlags, CWD};
    use rustix::io::{preadv2, ReadWriteFlags};
    if range.len() > READ_AT_ONCE as u64 {
        return None;
    }
    let file = openat2(CWD, path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty(), ResolveFlags::CACHED).ok()?;
    let mut bytes = vec![0; range.len() as usize];
    let read = preadv2(&file, &mut [std::io::IoSliceMut::new(&mut bytes)], range.start, ReadWriteFlags::NOWAIT).ok()?;
    (read == bytes.len()).then(|| Bytes::from(bytes))
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_: &Path, _: ByteRange) -> Option<Bytes> {
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
    fn a_short_range_in_memory_is_read_at_once_and_anything_else_is_left_to_the_blocking_path() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("cached.wav");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(READ_AT_ONCE * 2).collect();
        std::fs::write(&path, &bytes).unwrap();
        // Just written, so in the page cache.
        let read = read_cached(&path, ByteRange { start: 0, end: 1 }).expect("read without blocking");
        assert_eq!(read.as_ref(), &bytes[..2]);
        let read = read_cached(&path, ByteRange { start: 1000, end: 1999 }).expect("read without blocking");
        assert_eq!(read.as_ref(), &bytes[1000..2000]);
        // Past the end, missing, or longer than one read: not here.
        let size = bytes.len() as u64;
        assert_eq!(read_cached(&path, ByteRange { start: size - 1, end: size + 9 }), None);
        assert_eq!(read_cached(&root.path().join("gone.wav"), ByteRange { start: 0, end: 1 }), None);
        assert_eq!(read_cached(&path, ByteRange { start: 0, end: READ_AT_ONCE as u64 }), None);
    }
}
