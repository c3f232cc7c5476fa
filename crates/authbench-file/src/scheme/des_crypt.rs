//! Traditional DES crypt(3): the 13-character hashes of Seventh Edition Unix (`htpasswd -d`).
//!
//! Weak by any standard (eight 7-bit password characters, a 12-bit salt, 25 DES encryptions); it
//! is here so old files keep working, and every allow it gives carries a weak-scheme note. The
//! salt perturbs DES's expansion table, which no block-cipher crate exposes, so DES is written
//! out below from the FIPS 46-3 tables. Speed does not matter here: 25 encryptions bit by bit.

use subtle::ConstantTimeEq;

use super::{HashError, crypt64};

/// Length of a DES crypt hash: 2 salt characters and 11 digest characters.
pub(crate) const HASH_LEN: usize = 13;

/// A parsed DES crypt hash.
#[derive(Clone)]
pub(crate) struct DesCrypt {
    full: [u8; HASH_LEN],
}

impl DesCrypt {
    /// Whether `value` has the shape of a DES crypt hash (13 characters of `./0-9A-Za-z`).
    pub(crate) fn looks_like(value: &str) -> bool {
        value.len() == HASH_LEN && crypt64::all_crypt_chars(value)
    }

    /// Parses a 13-character hash.
    pub(crate) fn parse(value: &str) -> Result<Self, HashError> {
        if !Self::looks_like(value) {
            return Err(HashError::Malformed {
                scheme: "des-crypt",
                why: "expected 13 characters of ./0-9A-Za-z",
            });
        }
        // 64 digest bits in 11 six-bit characters: the last two bits must be zero.
        let last = value
            .bytes()
            .last()
            .and_then(crypt64::value_of)
            .unwrap_or(1);
        if last & 3 != 0 {
            return Err(HashError::Malformed {
                scheme: "des-crypt",
                why: "the last character is not a possible digest end",
            });
        }
        let mut full = [0u8; HASH_LEN];
        full.copy_from_slice(value.as_bytes());
        Ok(DesCrypt { full })
    }

    /// Whether `password` matches, compared in constant time.
    pub(crate) fn verify(&self, password: &[u8]) -> bool {
        let computed = crypt(password, [self.full[0], self.full[1]]);
        computed.ct_eq(&self.full).into()
    }
}

/// crypt(3) of `password` with a two-character salt (characters of the crypt alphabet).
pub(crate) fn crypt(password: &[u8], salt: [u8; 2]) -> [u8; HASH_LEN] {
    // Key: the first eight characters (stopping at a NUL, as C strings do), seven bits each,
    // shifted into the top of every key byte.
    let mut key: u64 = 0;
    for i in 0..8 {
        let c = password.get(i).copied().filter(|&c| c != 0);
        key = (key << 8) | u64::from(c.map_or(0, |c| c << 1));
        if c.is_none() {
            key <<= 8 * (7 - i);
            break;
        }
    }

    let salt_bits = u32::from(crypt64::value_of(salt[0]).unwrap_or(0))
        | (u32::from(crypt64::value_of(salt[1]).unwrap_or(0)) << 6);
    let expansion = salted_expansion(salt_bits);
    let subkeys = key_schedule(key);

    let mut block = 0u64;
    for _ in 0..25 {
        block = encrypt(block, &subkeys, &expansion);
    }

    let mut out = [0u8; HASH_LEN];
    out[0] = salt[0];
    out[1] = salt[1];
    // 64 bits, most significant first, six at a time; the last character gets 4 bits and two zeros.
    for (i, slot) in out[2..].iter_mut().enumerate() {
        let shift = 58i32 - 6 * i as i32;
        let v = if shift >= 0 {
            (block >> shift) & 63
        } else {
            (block << -shift) & 63
        };
        *slot = crypt64::char_of(v as u32);
    }
    out
}

/// The expansion table with salt bit `k` (k < 12) swapping entries `k` and `k + 24`.
fn salted_expansion(salt_bits: u32) -> [u8; 48] {
    let mut e = E;
    for k in 0..12 {
        if (salt_bits >> k) & 1 == 1 {
            e.swap(k, k + 24);
        }
    }
    e
}

/// Picks bits of `input` (numbered 1..=width from the most significant) in `table` order.
fn permute(input: u64, width: u32, table: &[u8]) -> u64 {
    table.iter().fold(0u64, |out, &bit| {
        (out << 1) | ((input >> (width - u32::from(bit))) & 1)
    })
}

fn key_schedule(key: u64) -> [u64; 16] {
    let cd = permute(key, 64, &PC1);
    let mut c = (cd >> 28) & 0x0fff_ffff;
    let mut d = cd & 0x0fff_ffff;
    let mut subkeys = [0u64; 16];
    for (subkey, &shift) in subkeys.iter_mut().zip(SHIFTS.iter()) {
        c = ((c << shift) | (c >> (28 - shift))) & 0x0fff_ffff;
        d = ((d << shift) | (d >> (28 - shift))) & 0x0fff_ffff;
        *subkey = permute((c << 28) | d, 56, &PC2);
    }
    subkeys
}

fn encrypt(block: u64, subkeys: &[u64; 16], expansion: &[u8; 48]) -> u64 {
    let lr = permute(block, 64, &IP);
    let mut l = lr >> 32;
    let mut r = lr & 0xffff_ffff;
    for subkey in subkeys {
        let next = l ^ feistel(r, *subkey, expansion);
        l = r;
        r = next;
    }
    permute((r << 32) | l, 64, &FP)
}

fn feistel(r: u64, subkey: u64, expansion: &[u8; 48]) -> u64 {
    let x = permute(r, 32, expansion) ^ subkey;
    let mut out = 0u64;
    for (i, sbox) in SBOXES.iter().enumerate() {
        let six = (x >> (42 - 6 * i)) & 63;
        let row = ((six >> 4) & 2) | (six & 1);
        let col = (six >> 1) & 15;
        let v = sbox.get((row * 16 + col) as usize).copied().unwrap_or(0);
        out = (out << 4) | u64::from(v);
    }
    permute(out, 32, &P)
}

const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6,
    64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61,
    53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];

const FP: [u8; 64] = [
    40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30,
    37, 5, 45, 13, 53, 21, 61, 29, 36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
    34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];

const E: [u8; 48] = [
    32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18,
    19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];

const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19,
    13, 30, 6, 22, 11, 4, 25,
];

const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60,
    52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29,
    21, 13, 5, 28, 20, 12, 4,
];

const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52,
    31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

const SBOXES: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12,
        11, 9, 5, 3, 8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9,
        1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1,
        10, 6, 9, 11, 5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15,
        4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5,
        14, 12, 11, 15, 1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6,
        9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2,
        12, 1, 10, 14, 9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1,
        13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15,
        10, 3, 9, 8, 6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14,
        2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13,
        14, 0, 11, 3, 8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5,
        15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5,
        12, 2, 15, 8, 6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4,
        10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6,
        11, 0, 14, 9, 2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10,
        8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_des_block() {
        // The classic worked example: key 133457799BBCDFF1, plaintext 0123456789ABCDEF.
        let subkeys = key_schedule(0x1334_5779_9BBC_DFF1);
        assert_eq!(
            encrypt(0x0123_4567_89AB_CDEF, &subkeys, &E),
            0x85E8_1354_0F0A_B405
        );
    }

    #[test]
    fn crypt_vectors() {
        // Seventh Edition's own example, and Apache's `htpasswd -nbd u pw`.
        assert_eq!(&crypt(b"password", *b"xO"), b"xOAFZqRz5RduI");
        assert_eq!(&crypt(b"pw", *b"7M"), b"7MvYxoA72upko");
        let h = DesCrypt::parse("7MvYxoA72upko").expect("parses");
        assert!(h.verify(b"pw"));
        assert!(!h.verify(b"pv"));
    }

    #[test]
    fn only_eight_characters_count() {
        let h = DesCrypt::parse(std::str::from_utf8(&crypt(b"abcdefgh", *b"ab")).expect("ascii"))
            .expect("parses");
        assert!(h.verify(b"abcdefghIGNORED"));
    }
}
