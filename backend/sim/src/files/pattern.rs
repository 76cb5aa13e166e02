//! Deterministic file contents: `size` bytes derived from a seed, generated and never stored.
//!
//! Byte `p` of the content for `seed` is byte `p % 8` (little-endian) of
//! `splitmix64(seed + (p / 8) * 0x9E37_79B9_7F4A_7C15)`, so any chunk can be made on its own.

use bytes::Bytes;
use md5::{Digest, Md5};

/// Bytes per generated chunk (a multiple of 8, so chunks start on word boundaries).
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Step between the generator inputs of consecutive words (the golden-ratio increment).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a fast, well-mixed 64-bit hash.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fills `buf` with the content starting at byte `word_offset * 8`.
fn fill(seed: u64, word_offset: u64, buf: &mut [u8]) {
    for (word_index, chunk) in (word_offset..).zip(buf.chunks_mut(8)) {
        let word = splitmix64(seed.wrapping_add(word_index.wrapping_mul(GOLDEN))).to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
}

/// The content of (`size`, `seed`) as consecutive chunks of at most [`CHUNK_SIZE`] bytes.
pub fn chunks(size: u64, seed: u64) -> impl Iterator<Item = Bytes> + Send + 'static {
    let chunk = CHUNK_SIZE as u64;
    (0..size.div_ceil(chunk)).map(move |index| {
        let start = index * chunk;
        let len = usize::try_from((size - start).min(chunk)).unwrap_or(CHUNK_SIZE);
        let mut buf = vec![0; len];
        fill(seed, start / 8, &mut buf);
        Bytes::from(buf)
    })
}

/// The whole content of (`size`, `seed`) in memory; for small sizes (tests, fixtures).
pub fn content(size: u64, seed: u64) -> Vec<u8> {
    chunks(size, seed)
        .flat_map(|chunk| chunk.to_vec())
        .collect()
}

/// Lowercase hex md5 of the content of (`size`, `seed`), as `GET /files/…?size=&seed=`
/// serves it. Takes time proportional to `size` (about 1.5 s per GB).
pub fn expected_md5(size: u64, seed: u64) -> String {
    let mut hasher = Md5::new();
    for chunk in chunks(size, seed) {
        hasher.update(&chunk);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_add_up_to_the_size_and_do_not_depend_on_chunking() {
        let size = CHUNK_SIZE as u64 * 2 + 13;
        let whole = content(size, 9);
        assert_eq!(whole.len() as u64, size);
        let mut by_hand = vec![0; whole.len()];
        fill(9, 0, &mut by_hand);
        assert_eq!(whole, by_hand);
    }

    #[test]
    fn seeds_give_different_content_and_the_md5_of_nothing_is_the_empty_md5() {
        assert_ne!(content(64, 1), content(64, 2));
        assert_eq!(expected_md5(0, 5), "d41d8cd98f00b204e9800998ecf8427e");
        let direct = hex::encode(Md5::digest(content(1000, 3)));
        assert_eq!(expected_md5(1000, 3), direct);
    }
}
