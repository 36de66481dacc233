//! The text of a file handed over by staff or another system: UTF-8 (a BOM allowed)
//! or else Shift_JIS (CP932, whose user-defined area decodes to U+E000–U+E757).

/// The file's text, or why it cannot be read (a Japanese message for staff).
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.to_string()),
        Err(_) => {
            let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
            if bad {
                Err("UTF-8 としても Shift_JIS としても読めません".into())
            } else {
                Ok(t.into_owned())
            }
        }
    }
}

/// Text written out as Shift_JIS (CP932) for a system that reads nothing else, as 30.2
/// asks of a character the code cannot carry: an ideographic variation selector is
/// dropped (the base character stays), any other character outside CP932 becomes 〓
/// (ゲタ). Returns the bytes and how many characters became 〓.
pub fn encode_shift_jis(text: &str) -> (Vec<u8>, usize) {
    let (bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(text);
    if !lossy {
        return (bytes.into_owned(), 0);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut replaced = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}') {
            continue;
        }
        let (b, _, bad) = encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf));
        if bad {
            replaced += 1;
            out.extend_from_slice(&[0x81, 0xAC]); // 〓
        } else {
            out.extend_from_slice(&b);
        }
    }
    (out, replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_keeps_what_it_can_and_marks_the_rest() {
        let (b, n) = encode_shift_jis("山田");
        assert_eq!(n, 0);
        assert_eq!(decode(&b).as_deref(), Ok("山田"));
        // 葛 with a variation selector keeps the base; a character CP932 lacks becomes 〓.
        let (b, n) = encode_shift_jis("葛\u{E0100}城𠮷");
        assert_eq!(n, 1);
        assert_eq!(decode(&b).as_deref(), Ok("葛城〓"));
    }
}
