//! One contract for every storage backend: local disk and S3 (a real
//! S3-protocol server) must behave the same way.

use bytes::Bytes;
use futures::{stream, StreamExt, TryStreamExt};
use uuid::Uuid;

use app::infra::config::Config;
use app::infra::storage::{ByteRange, LocalDisk, ObjectKey, PutError, S3Storage, Storage, StorageError, PART_SIZE};

fn key() -> ObjectKey {
    ObjectKey::for_echo(Uuid::now_v7(), Uuid::now_v7(), "wav")
}

/// `total` bytes of a recognisable pattern, in chunks of 64 KiB.
fn pattern(total: usize) -> Vec<u8> {
    (0..total).map(|i| (i % 251) as u8).collect()
}

fn chunks(bytes: &[u8]) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static {
    let chunks: Vec<std::io::Result<Bytes>> = bytes.chunks(64 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    stream::iter(chunks)
}

async fn read_all(storage: &Storage, key: &ObjectKey, range: Option<ByteRange>) -> Vec<u8> {
    let stream = storage.read_range(key, range).await.expect("read");
    stream.map_ok(|b| b.to_vec()).try_concat().await.expect("read body")
}

async fn keeps_the_contract(storage: Storage) {
    // A small object round-trips, whole and by range.
    let small = pattern(10_000);
    let k = key();
    assert_eq!(storage.put_stream(&k, chunks(&small), 1 << 20).await.expect("put"), 10_000);
    assert_eq!(storage.head(&k).await.expect("head").size, 10_000);
    assert_eq!(read_all(&storage, &k, None).await, small);
    assert_eq!(read_all(&storage, &k, Some(ByteRange { start: 100, end: 199 })).await, &small[100..200]);
    assert_eq!(read_all(&storage, &k, Some(ByteRange { start: 9_990, end: 9_999 })).await, &small[9_990..]);

    // A large object (several S3 parts) round-trips.
    let large = pattern(2 * PART_SIZE + 12_345);
    let k_large = key();
    let written = storage.put_stream(&k_large, chunks(&large), 64 << 20).await.expect("put large");
    assert_eq!(written as usize, large.len());
    assert_eq!(storage.head(&k_large).await.expect("head").size as usize, large.len());
    assert!(read_all(&storage, &k_large, None).await == large, "large object differs");
    let middle = ByteRange { start: PART_SIZE as u64 - 10, end: PART_SIZE as u64 + 9 };
    assert_eq!(read_all(&storage, &k_large, Some(middle)).await, &large[PART_SIZE - 10..PART_SIZE + 10]);

    // Over the cap: refused, and nothing is left — also past the first part.
    for size in [5_000, PART_SIZE + 100_000] {
        let k_big = key();
        let err = storage.put_stream(&k_big, chunks(&pattern(size)), size as u64 - 1).await.unwrap_err();
        assert!(matches!(err, PutError::TooLarge { .. }), "{err:?}");
        assert!(matches!(storage.head(&k_big).await, Err(StorageError::NotFound)), "a refused object must not exist");
    }

    // A body that fails midway leaves nothing.
    let k_broken = key();
    let broken = stream::iter(vec![Ok(Bytes::from(pattern(1000))), Err(std::io::Error::other("connection reset"))]);
    let err = storage.put_stream(&k_broken, broken.boxed(), 1 << 20).await.unwrap_err();
    assert!(matches!(err, PutError::Body(_)), "{err:?}");
    assert!(matches!(storage.head(&k_broken).await, Err(StorageError::NotFound)));

    // Copy makes an independent object; copying a missing one is NotFound.
    let incoming = ObjectKey::incoming(Uuid::now_v7(), Uuid::now_v7(), "wav");
    storage.put_stream(&incoming, chunks(&small), 1 << 20).await.expect("put incoming");
    let copied = incoming.without_incoming();
    storage.copy(&incoming, &copied).await.expect("copy");
    storage.delete(&incoming).await.expect("delete the original");
    assert_eq!(read_all(&storage, &copied, None).await, small);
    assert!(matches!(storage.copy(&incoming, &key()).await, Err(StorageError::NotFound)));

    // Delete removes; deleting again is fine; reading a missing object is NotFound.
    storage.delete(&k).await.expect("delete");
    assert!(matches!(storage.head(&k).await, Err(StorageError::NotFound)));
    storage.delete(&k).await.expect("delete again");
    assert!(matches!(storage.read_range(&k, None).await, Err(StorageError::NotFound)));
    storage.ping().await.expect("ping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_disk_keeps_the_storage_contract() {
    let dir = tempfile::tempdir().unwrap();
    keeps_the_contract(Storage::Local(LocalDisk::new(dir.path()).unwrap())).await;
    // No temporary files are left behind either.
    let mut leftovers = Vec::new();
    for entry in walk(dir.path()) {
        if entry.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".part")) {
            leftovers.push(entry);
        }
    }
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_keeps_the_storage_contract() {
    let root = tempfile::tempdir().unwrap();
    let server = testkit::S3Server::start(root.path(), 0).await.unwrap();
    let vars: std::collections::HashMap<&str, String> = server.echoes_config("contract").into_iter().collect();
    let config = Config::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let storage = Storage::S3(S3Storage::connect(config.s3.as_ref().unwrap()).await.unwrap());
    keeps_the_contract(storage).await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}
