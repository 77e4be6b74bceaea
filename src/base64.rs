//! Base64 as GitHub's blobs API sends a blob's `content`, and as PEM files hold certificates
//! (`SSL_CERT_FILE`, `tls`): the standard alphabet with `=`
//! padding (RFC 4648, section 4), a line break every 60 characters
//! (<https://docs.github.com/en/rest/git/blobs#get-a-blob>). Line breaks are skipped; anything
//! else outside the alphabet is refused, never guessed around. A dozen lines instead of a crate.

/// Decodes `text`; `Err` says what is wrong and where.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits, mut symbols, mut padding) = (0u32, 0u32, 0usize, 0usize);
    for (i, &c) in text.as_bytes().iter().enumerate() {
        match c {
            b'\n' | b'\r' => continue,
            b'=' => {
                padding += 1;
                symbols += 1;
                continue;
            }
            _ if padding > 0 => return Err(format!("data after the padding at offset {i}")),
            _ => {}
        }
        let Some(v) = value(c) else {
            return Err(format!("a character outside base64 at offset {i}"));
        };
        acc = (acc << 6) | v;
        bits += 6;
        symbols += 1;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if symbols % 4 != 0 || padding > 2 {
        return Err("its length is not a multiple of 4".into());
    }
    Ok(out)
}

/// The most text that can decode to `bytes` bytes, line breaks included (one per 60 characters,
/// and some slack for `\r\n`): anything longer is refused before decoding.
pub fn max_encoded_len(bytes: u64) -> u64 {
    let symbols = bytes.div_ceil(3) * 4;
    symbols + 2 * symbols.div_ceil(60) + 2
}

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors_and_githubs_example() {
        // RFC 4648, section 10.
        for (encoded, plain) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(
                decode(encoded).as_deref(),
                Ok(plain.as_bytes()),
                "{encoded}"
            );
        }
        // The example of GitHub's REST description for `GET .../git/blobs/{file_sha}`.
        assert_eq!(
            decode("Q29udGVudCBvZiB0aGUgYmxvYg==\n").as_deref(),
            Ok(&b"Content of the blob"[..])
        );
        assert_eq!(decode("Zm9v\nYmFy\n").as_deref(), Ok(&b"foobar"[..]));
        assert_eq!(decode("+/+/").expect("ok"), vec![0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in ["Zm9", "Zm9v!", "Zg==Zg==", "Z===", "Zm 9v", "Zm9v-_"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_encoded_bound_covers_githubs_line_breaks() {
        for n in [0u64, 1, 44, 45, 46, 1000, 1024 * 1024] {
            let symbols = n.div_ceil(3) * 4;
            let with_breaks = symbols + symbols.div_ceil(60);
            assert!(with_breaks <= max_encoded_len(n), "{n}");
            assert!(
                max_encoded_len(n) < with_breaks + symbols / 30 + 8,
                "{n}: not loose"
            );
        }
    }
}
