//! Decoding an upload while it arrives: its bytes are fed to a sandboxed
//! decoder on their way to storage, so the answer is ready about when the
//! last byte is stored, instead of a whole decode later. What the stream
//! cannot settle (a format whose reader must seek, a decoder given up, no
//! free slot) is decoded from the stored file, as before.

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;

use super::{refusal, AudioProbe, Prober, StreamingProbe};
use crate::echoes::format::AudioFormat;
use crate::error::AppError;
use crate::infra::slots::Slot;
use crate::infra::storage::ObjectKey;

/// Whether `format` decodes from its first byte to its last without
/// seeking, to the very answer its file gives, and so can be decoded while
/// it is uploaded. Not MP4: most encoders write its index after the audio.
/// Not Ogg: its length is trimmed by the last page's position, which the
/// reader seeks to (streamed, the length can be a millisecond longer).
pub fn decodes_in_one_pass(format: AudioFormat) -> bool {
    matches!(format, AudioFormat::Wav | AudioFormat::Mp3 | AudioFormat::Flac | AudioFormat::WebM)
}

/// An upload's bytes on their way to storage, passed on unchanged and fed
/// to a sandboxed decoder as they go, when a decoding slot is free now and
/// the format allows it. [`Streamed::answer`] then has the result about
/// when the last byte is stored, instead of a whole decode later.
pub fn decode_while_stored<'a>(
    prober: &'a Prober,
    format: AudioFormat,
    body: BoxStream<'a, std::io::Result<Bytes>>,
) -> (BoxStream<'a, std::io::Result<Bytes>>, Streamed<'a>) {
    let Some(probe) = decodes_in_one_pass(format).then(|| prober.stream(format.extension())).flatten() else {
        return (body, Streamed(None));
    };
    let (give_back, given) = tokio::sync::oneshot::channel();
    // The decoder comes back only when the whole body went past it.
    let body = futures::stream::unfold(Some((body, probe, give_back)), |state| async move {
        let (mut body, mut probe, give_back) = state?;
        match body.next().await {
            Some(Ok(chunk)) => {
                probe.feed(&chunk).await;
                Some((Ok(chunk), Some((body, probe, give_back))))
            }
            Some(Err(err)) => Some((Err(err), None)),
            None => {
                let _ = give_back.send(probe);
                None
            }
        }
    });
    (body.boxed(), Streamed(Some(given)))
}

/// The decoder fed by [`decode_while_stored`], if one was.
pub struct Streamed<'a>(Option<tokio::sync::oneshot::Receiver<StreamingProbe<'a>>>);

/// What decoding an upload while it arrived came to.
pub enum StreamedAnswer<'a> {
    /// The probe, or a refusal (too long, or the decoder stopped on it).
    Settled(Result<AudioProbe, AppError>),
    /// The stored file is to be decoded: no decoder was fed, it was given
    /// up, or it could not read the stream (a file whose reader must
    /// seek). A decoder that ran keeps its slot for that.
    DecodeFile(Option<Slot<'a>>),
}

impl<'a> Streamed<'a> {
    pub async fn answer(self, key: &ObjectKey) -> StreamedAnswer<'a> {
        let Some(Ok(probe)) = futures::future::OptionFuture::from(self.0).await else {
            return StreamedAnswer::DecodeFile(None);
        };
        let started = std::time::Instant::now();
        match probe.finish().await {
            (Some(Ok(probe)), _) => {
                let waited_ms = started.elapsed().as_millis() as u64;
                tracing::debug!(%key, duration_ms = probe.duration_ms, waited_ms, "probed while uploaded");
                StreamedAnswer::Settled(Ok(probe))
            }
            (Some(Err(failure)), _) if !failure.file_may_differ() => StreamedAnswer::Settled(Err(refusal(failure))),
            (failure, slot) => {
                let failure = failure.and_then(Result::err).map(|f| f.to_string()).unwrap_or("fell behind".into());
                tracing::debug!(%key, %failure, "not decoded while uploaded; decoding the stored file");
                StreamedAnswer::DecodeFile(Some(slot))
            }
        }
    }
}
