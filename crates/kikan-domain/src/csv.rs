//! The CSV kikan writes for other systems and for staff (RFC 4180).

/// One cell: quoted, with its quotes doubled, when it holds a comma, a quote or a line
/// break; as it is otherwise.
pub fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(super::cell("山田　太郎"), "山田　太郎");
        assert_eq!(super::cell("a,b"), "\"a,b\"");
        assert_eq!(super::cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
