//! The `./0-9A-Za-z` alphabet and byte packing used by crypt(3) hashes (MD5-crypt, SHA-crypt,
//! DES crypt). Not RFC 4648 base64: other alphabet, other bit order.

/// The crypt(3) alphabet; a character's index is its 6-bit value.
pub(crate) const ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The 6-bit value of a crypt(3) character, or `None` outside the alphabet.
pub(crate) fn value_of(c: u8) -> Option<u8> {
    match c {
        b'.' => Some(0),
        b'/' => Some(1),
        b'0'..=b'9' => Some(c - b'0' + 2),
        b'A'..=b'Z' => Some(c - b'A' + 12),
        b'a'..=b'z' => Some(c - b'a' + 38),
        _ => None,
    }
}

/// The character for the low six bits of `v`.
pub(crate) fn char_of(v: u32) -> u8 {
    // `& 63` keeps the index in range, so the fallback is never taken.
    ALPHABET.get((v & 63) as usize).copied().unwrap_or(b'.')
}

/// Whether every byte of `s` is in the crypt(3) alphabet.
pub(crate) fn all_crypt_chars(s: &str) -> bool {
    s.bytes().all(|c| value_of(c).is_some())
}

/// Encodes `raw` the way glibc's `b64_from_24bit` does: bytes taken in `order`, three at a time as
/// a little-endian 24-bit word, six bits at a time from the low end; a last group of `n` bytes
/// gives `n + 1` characters.
pub(crate) fn encode_ordered(raw: &[u8], order: &[usize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(order.len() * 4 / 3 + 2);
    for group in order.chunks(3) {
        let mut w: u32 = 0;
        for (shift, &index) in group.iter().enumerate() {
            let byte = raw.get(index).copied().unwrap_or(0);
            w |= u32::from(byte) << (8 * shift);
        }
        for _ in 0..=group.len() {
            out.push(char_of(w));
            w >>= 6;
        }
    }
    out
}

/// Number of characters [`encode_ordered`] produces for `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    (n / 3) * 4
        + match n % 3 {
            0 => 0,
            rest => rest + 1,
        }
}

/// Whether `encoded` (crypt alphabet, [`encoded_len`]`(n)` long) is the canonical encoding of `n`
/// bytes: the unused high bits of its last character are zero. A non-canonical string can never
/// be produced by a hash function, so it is a corrupted entry.
pub(crate) fn is_canonical(encoded: &str, n: usize) -> bool {
    let rest = n % 3;
    if rest == 0 {
        return true;
    }
    // A last group of `rest` bytes has 8*rest data bits in rest+1 characters; the last
    // character carries 2*rest of them.
    let Some(last) = encoded.bytes().last().and_then(value_of) else {
        return false;
    };
    u32::from(last) < (1u32 << (2 * rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_round_trips() {
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(value_of(c), Some(i as u8));
            assert_eq!(char_of(i as u32), c);
        }
        assert_eq!(value_of(b'+'), None);
        assert_eq!(value_of(b'$'), None);
    }

    #[test]
    fn lengths() {
        assert_eq!(encoded_len(16), 22); // MD5-crypt
        assert_eq!(encoded_len(32), 43); // SHA-256-crypt
        assert_eq!(encoded_len(64), 86); // SHA-512-crypt
        let order: Vec<usize> = (0..32).collect();
        assert_eq!(encode_ordered(&[0xff; 32], &order).len(), 43);
    }

    #[test]
    fn canonical_last_character() {
        assert!(is_canonical("....1", 16)); // value 3 < 4
        assert!(!is_canonical("....2", 16)); // value 4 needs a ninth bit
        assert!(is_canonical("abc", 30));
    }
}
