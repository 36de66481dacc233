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
