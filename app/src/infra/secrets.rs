//! Comparing secrets a caller sends (OAuth `state`, the metrics token)
//! without stopping at the first differing byte, so timing does not tell
//! how much of a guess was right.

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
