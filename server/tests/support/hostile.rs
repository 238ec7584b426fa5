//! Hostile audio, made byte by byte in the test: files that pass sniffing
//! but ask a decoder for absurd amounts of memory or time.

/// A FLAC of constant-value frames of 65535 samples each: about 16 bytes
/// a frame, so `target_bytes` of it decode to hundreds of hours.
pub fn flac_bomb(target_bytes: usize) -> Vec<u8> {
    const BLOCK: u32 = 65_535;
    let mut out = Vec::with_capacity(target_bytes + 64);
    out.extend_from_slice(b"fLaC");
    // STREAMINFO, the last metadata block: 34 bytes.
    out.extend_from_slice(&[0x80, 0x00, 0x00, 34]);
    out.extend_from_slice(&(BLOCK as u16).to_be_bytes()); // min block size
    out.extend_from_slice(&(BLOCK as u16).to_be_bytes()); // max block size
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // min/max frame size unknown
                                                // 44100 Hz (20 bits), mono (3 bits: 0), 16 bits per sample (5 bits: 15),
                                                // total samples unknown (36 bits: 0).
    let rate: u64 = 44_100;
    let packed: u64 = (rate << 44) | (15u64 << 36);
    out.extend_from_slice(&packed.to_be_bytes());
    out.extend_from_slice(&[0; 16]); // MD5 unknown
    let mut frame_number: u32 = 0;
    while out.len() < target_bytes {
        let mut frame = vec![0xFF, 0xF8, 0x79, 0x08];
        frame.extend_from_slice(&utf8_number(frame_number));
        frame.extend_from_slice(&((BLOCK - 1) as u16).to_be_bytes());
        frame.push(crc8(&frame));
        // A CONSTANT subframe: header 0, then one 16-bit sample.
        frame.extend_from_slice(&[0x00, 0x10, 0x00]);
        let crc = crc16(&frame);
        frame.extend_from_slice(&crc.to_be_bytes());
        out.extend_from_slice(&frame);
        frame_number += 1;
    }
    out
}

/// FLAC's "UTF-8" coded frame number.
fn utf8_number(n: u32) -> Vec<u8> {
    match n {
        0..=0x7F => vec![n as u8],
        0x80..=0x7FF => vec![0xC0 | (n >> 6) as u8, 0x80 | (n & 0x3F) as u8],
        0x800..=0xFFFF => vec![0xE0 | (n >> 12) as u8, 0x80 | ((n >> 6) & 0x3F) as u8, 0x80 | (n & 0x3F) as u8],
        _ => vec![
            0xF0 | (n >> 18) as u8,
            0x80 | ((n >> 12) & 0x3F) as u8,
            0x80 | ((n >> 6) & 0x3F) as u8,
            0x80 | (n & 0x3F) as u8,
        ],
    }
}

fn crc8(bytes: &[u8]) -> u8 {
    let mut crc: u8 = 0;
    for byte in bytes {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 { (crc << 1) ^ 0x07 } else { crc << 1 };
        }
    }
    crc
}

fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for byte in bytes {
        crc ^= (*byte as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x8005 } else { crc << 1 };
        }
    }
    crc
}

/// An ISO BMFF box.
fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// The 76-byte M4A whose `stsc` claims 0xFFFFFFFF entries: symphonia
/// allocates for the count before reading a single entry.
pub fn mp4_count_bomb(table: &[u8; 4]) -> Vec<u8> {
    let ftyp = mp4_box(b"ftyp", b"M4A \x00\x00\x00\x00M4A ");
    let table = mp4_box(table, &[0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    let nested = [b"stbl", b"minf", b"mdia", b"trak", b"moov"].iter().fold(table, |inner, kind| mp4_box(kind, &inner));
    [ftyp, nested].concat()
}

/// An EBML element: id bytes, an 8-byte size, the body.
fn ebml(id: &[u8], size: u64, body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.push(0x01);
    out.extend_from_slice(&size.to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// A WebM whose track's CodecPrivate claims to be a terabyte long.
pub fn webm_size_bomb() -> Vec<u8> {
    let doc_type = ebml(&[0x42, 0x82], 4, b"webm");
    let header = ebml(&[0x1A, 0x45, 0xDF, 0xA3], doc_type.len() as u64, &doc_type);
    let track_type = ebml(&[0x83], 1, &[2]);
    let codec_id = ebml(&[0x86], 6, b"A_OPUS");
    let codec_private = ebml(&[0x63, 0xA2], 1 << 40, &[0; 16]);
    let fields = [track_type, codec_id, codec_private].concat();
    let entry = ebml(&[0xAE], fields.len() as u64, &fields);
    let tracks = ebml(&[0x16, 0x54, 0xAE, 0x6B], entry.len() as u64, &entry);
    // A Segment of unknown size (all ones), as live recorders write it.
    let segment = ebml(&[0x18, 0x53, 0x80, 0x67], 0x00FF_FFFF_FFFF_FFFF, &tracks);
    [header, segment].concat()
}

/// `magic` followed by `len` pseudo-random bytes (the same every run).
pub fn magic_then_noise(magic: &[u8], len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = magic.to_vec();
    out.extend((0..len).map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    }));
    out
}

/// Each accepted format's magic bytes, as sniffing wants to see them.
pub fn magics() -> Vec<(&'static str, Vec<u8>)> {
    let mut ogg_opus = b"OggS\x00\x02".to_vec();
    ogg_opus.extend_from_slice(&[0; 20]);
    ogg_opus.push(1);
    ogg_opus.push(19);
    ogg_opus.extend_from_slice(b"OpusHead");
    vec![
        ("wav", b"RIFF\xff\xff\xff\x7fWAVEfmt ".to_vec()),
        ("flac", b"fLaC\x00\x00\x00\x22".to_vec()),
        ("ogg", ogg_opus),
        ("webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm".to_vec()),
        ("m4a", b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42".to_vec()),
        ("mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec()),
        ("mp3-frame", vec![0xFF, 0xFB, 0x90, 0x64]),
    ]
}
