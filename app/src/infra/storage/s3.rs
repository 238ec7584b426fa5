//! S3 storage (any S3-compatible store), on aws-sdk-s3.
//!
//! Writes stream in parts of [`PART_SIZE`]: a small object is one PutObject,
//! a larger one a multipart upload, aborted on any failure — so at most one
//! part is ever held in memory and a refused upload leaves nothing behind.
//! Reads, heads and deletes map one to one; presigned PUTs sign the exact
//! Content-Length and Content-Type, presigned GETs are short-lived.

use std::time::Duration;

use aws_sdk_s3::config::{Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream as S3Body;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use tokio_util::io::ReaderStream;

use super::{ByteRange, ByteStream, ObjectKey, ObjectMeta, PresignedRequest, PutError, StorageError};
use crate::infra::config::S3Settings;

/// S3's smallest allowed part (except the last): also our memory bound per upload.
pub const PART_SIZE: usize = 5 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct S3Storage {
    client: Client,
    /// Signs the URLs browsers use: `client`, or one for the public endpoint.
    presigner: Client,
    bucket: String,
    presign_expiry: Duration,
}

fn storage_error(context: &str, err: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{context}: {err}"))
}

impl S3Storage {
    /// Builds the client (explicit keys, else the standard AWS chain) and,
    /// when asked, creates the bucket.
    pub async fn connect(settings: &S3Settings) -> anyhow::Result<S3Storage> {
        use aws_smithy_http_client::tls;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .build_https();
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .http_client(http);
        if let Some((key, secret)) = &settings.credentials {
            loader = loader.credentials_provider(Credentials::new(key, secret, None, None, "echoes-config"));
        }
        let shared = loader.load().await;
        let mut config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(settings.force_path_style)
            // Checksums only where S3 requires them: S3-compatible stores
            // differ in what they accept, and presigned URLs must not carry them.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint);
        }
        let client = Client::from_conf(config.clone().build());
        let presigner = match &settings.public_endpoint {
            Some(public) => Client::from_conf(config.endpoint_url(public).build()),
            None => client.clone(),
        };
        let storage = S3Storage {
            client,
            presigner,
            bucket: settings.bucket.clone(),
            presign_expiry: Duration::from_secs(settings.presign_expiry_secs),
        };
        if settings.auto_create_bucket {
            storage.create_bucket_if_missing().await?;
        }
        Ok(storage)
    }

    async fn create_bucket_if_missing(&self) -> anyhow::Result<()> {
        if self.client.head_bucket().bucket(&self.bucket).send().await.is_ok() {
            return Ok(());
        }
        match self.client.create_bucket().bucket(&self.bucket).send().await {
            Ok(_) => {
                tracing::info!(bucket = %self.bucket, "created the S3 bucket");
                Ok(())
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()) =>
            {
                Ok(())
            }
            Err(err) => Err(anyhow::anyhow!("cannot create bucket {}: {}", self.bucket, err_text(&err))),
        }
    }

    pub fn presign_expiry(&self) -> Duration {
        self.presign_expiry
    }

    pub async fn put_stream<S>(&self, key: &ObjectKey, mut body: S, max_bytes: u64) -> Result<u64, PutError>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
    {
        let mut buffer = BytesMut::new();
        let mut written: u64 = 0;
        let mut upload: Option<MultipartUpload> = None;
        loop {
            let next = body.next().await;
            let at_end = next.is_none();
            if let Some(chunk) = next {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(err) => return self.abandon(key, upload, PutError::Body(err)).await,
                };
                written += chunk.len() as u64;
                if written > max_bytes {
                    return self.abandon(key, upload, PutError::TooLarge { limit: max_bytes }).await;
                }
                buffer.extend_from_slice(&chunk);
            }
            if buffer.len() >= PART_SIZE || (at_end && upload.is_some()) {
                if upload.is_none() {
                    upload = Some(self.start_multipart(key).await.map_err(PutError::Storage)?);
                }
                if let Some(multipart) = upload.as_mut() {
                    let part = buffer.split().freeze();
                    if let Err(err) = self.upload_part(key, multipart, part).await {
                        return self.abandon(key, upload, PutError::Storage(err)).await;
                    }
                }
            }
            if at_end {
                break;
            }
        }
        match upload {
            None => {
                self.client
                    .put_object()
                    .bucket(&self.bucket)
                    .key(key.as_str())
                    .content_length(buffer.len() as i64)
                    .body(S3Body::from(buffer.freeze()))
                    .send()
                    .await
                    .map_err(|e| PutError::Storage(storage_error("PutObject", err_text(&e))))?;
            }
            Some(multipart) => {
                let parts = CompletedMultipartUpload::builder().set_parts(Some(multipart.parts.clone())).build();
                let completed = self
                    .client
                    .complete_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key.as_str())
                    .upload_id(&multipart.upload_id)
                    .multipart_upload(parts)
                    .send()
                    .await;
                if let Err(err) = completed {
                    let err = storage_error("CompleteMultipartUpload", err_text(&err));
                    return self.abandon(key, Some(multipart), PutError::Storage(err)).await;
                }
            }
        }
        Ok(written)
    }

    async fn start_multipart(&self, key: &ObjectKey) -> std::io::Result<MultipartUpload> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| storage_error("CreateMultipartUpload", err_text(&e)))?;
        let upload_id = created.upload_id().ok_or_else(|| storage_error("CreateMultipartUpload", "no upload id"))?;
        Ok(MultipartUpload { upload_id: upload_id.to_owned(), parts: Vec::new() })
    }

    async fn upload_part(&self, key: &ObjectKey, multipart: &mut MultipartUpload, part: Bytes) -> std::io::Result<()> {
        let number = multipart.parts.len() as i32 + 1;
        let uploaded = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(&multipart.upload_id)
            .part_number(number)
            .content_length(part.len() as i64)
            .body(S3Body::from(part))
            .send()
            .await
            .map_err(|e| storage_error("UploadPart", err_text(&e)))?;
        multipart.parts.push(CompletedPart::builder().part_number(number).set_e_tag(uploaded.e_tag).build());
        Ok(())
    }

    /// Aborts a started multipart upload (so no parts linger) and returns `err`.
    async fn abandon(&self, key: &ObjectKey, upload: Option<MultipartUpload>, err: PutError) -> Result<u64, PutError> {
        if let Some(multipart) = upload {
            let aborted = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(key.as_str())
                .upload_id(&multipart.upload_id)
                .send()
                .await;
            if let Err(e) = aborted {
                tracing::warn!(error = %err_text(&e), "could not abort a multipart upload");
            }
        }
        Err(err)
    }

    pub async fn read_range(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<ByteStream, StorageError> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .set_range(range.map(|r| format!("bytes={}-{}", r.start, r.end)))
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|e| e.is_no_such_key()) {
                    StorageError::NotFound
                } else {
                    StorageError::Io(storage_error("GetObject", err_text(&e)))
                }
            })?;
        Ok(ReaderStream::with_capacity(object.body.into_async_read(), 64 * 1024).boxed())
    }

    pub async fn head(&self, key: &ObjectKey) -> Result<ObjectMeta, StorageError> {
        let head = self.client.head_object().bucket(&self.bucket).key(key.as_str()).send().await.map_err(|e| {
            if e.as_service_error().is_some_and(|e| e.is_not_found()) {
                StorageError::NotFound
            } else {
                StorageError::Io(storage_error("HeadObject", err_text(&e)))
            }
        })?;
        let size = head.content_length().unwrap_or(0).max(0) as u64;
        Ok(ObjectMeta { size, content_type: head.content_type().map(str::to_owned) })
    }

    /// A server-side copy (keys are ids and an extension: nothing to escape).
    pub async fn copy(&self, from: &ObjectKey, to: &ObjectKey) -> Result<(), StorageError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{}", self.bucket, from.as_str()))
            .key(to.as_str())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) {
                    StorageError::NotFound
                } else {
                    StorageError::Io(storage_error("CopyObject", err_text(&e)))
                }
            })
    }

    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Io(storage_error("DeleteObject", err_text(&e))))
    }

    /// Removes the object and aborts any multipart upload to its key that
    /// a process killed mid-write left open (their parts are invisible to
    /// listings but still stored). A store without ListMultipartUploads
    /// (s3s-fs) has the object removed only: a bucket lifecycle rule that
    /// aborts incomplete multipart uploads covers those (see the README).
    pub async fn discard(&self, key: &ObjectKey) -> Result<(), StorageError> {
        self.delete(key).await?;
        let listed = self.client.list_multipart_uploads().bucket(&self.bucket).prefix(key.as_str()).send().await;
        let open = match listed {
            Ok(open) => open,
            Err(err) => {
                tracing::debug!(%key, error = %err_text(&err), "could not list open multipart uploads");
                return Ok(());
            }
        };
        for upload in open.uploads() {
            let (Some(upload_key), Some(upload_id)) = (upload.key(), upload.upload_id()) else { continue };
            if upload_key != key.as_str() {
                continue;
            }
            self.client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(upload_key)
                .upload_id(upload_id)
                .send()
                .await
                .map_err(|e| StorageError::Io(storage_error("AbortMultipartUpload", err_text(&e))))?;
        }
        Ok(())
    }

    pub async fn list_all(&self) -> Result<Vec<super::ListedObject>, StorageError> {
        let mut found = Vec::new();
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| StorageError::Io(storage_error("ListObjectsV2", err_text(&e))))?;
            for object in page.contents() {
                let Some(name) = object.key() else { continue };
                found.push(super::ListedObject {
                    name: name.to_owned(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                    modified_at: object.last_modified().and_then(|t| t.to_millis().ok()).unwrap_or(0),
                });
            }
        }
        Ok(found)
    }

    /// Removes any object by its name in a listing.
    pub async fn delete_listed(&self, name: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Io(storage_error("DeleteObject", err_text(&e))))
    }

    pub async fn ping(&self) -> Result<(), StorageError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Io(storage_error("HeadBucket", err_text(&e))))
    }

    /// A URL the browser can PUT exactly `size` bytes of `content_type` to.
    pub async fn presign_put(
        &self,
        key: &ObjectKey,
        size: u64,
        content_type: &str,
    ) -> Result<PresignedRequest, StorageError> {
        let config = PresigningConfig::expires_in(self.presign_expiry).map_err(|e| storage_error("presign", e))?;
        let request = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_length(size as i64)
            .content_type(content_type)
            .presigned(config)
            .await
            .map_err(|e| storage_error("presign PutObject", err_text(&e)))?;
        Ok(PresignedRequest {
            method: request.method().to_owned(),
            url: request.uri().to_owned(),
            headers: request.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        })
    }

    /// A short-lived URL that plays the object with our type and file name.
    pub async fn presign_get(
        &self,
        key: &ObjectKey,
        content_type: &str,
        disposition: &str,
    ) -> Result<String, StorageError> {
        let config = PresigningConfig::expires_in(self.presign_expiry).map_err(|e| storage_error("presign", e))?;
        let request = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .response_content_type(content_type)
            .response_content_disposition(disposition)
            .presigned(config)
            .await
            .map_err(|e| storage_error("presign GetObject", err_text(&e)))?;
        Ok(request.uri().to_owned())
    }
}

struct MultipartUpload {
    upload_id: String,
    parts: Vec<CompletedPart>,
}

/// The SDK's errors print as "service error"; this digs out what happened.
fn err_text<E: std::error::Error>(err: &E) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
