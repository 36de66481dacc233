//! 印刷 (10.7, j1420): the municipality's registered printers and their trays (ホッパ), from
//! which a certificate is printed on paper instead of handed to the browser as a PDF.
//!
//! A printer is reached by IPP (RFC 8010/8011: `ipp://`, `ipps://`, or its `http(s)://`
//! form); each of its trays is named by the IPP keyword of its `media-source`
//! (`tray-1`, `main`, `manual` …) and a label staff read (「トレー1（A4 普通紙）」). Its number
//! (1–999) is part of the 発行番号 (5.5: `プリンタ001`). A printer may be the default of
//! some terminals (1.3.1): a certificate issued there goes to it unless staff choose a PDF.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// The highest printer number: three digits in the 発行番号.
pub const MAX_PRINTERS: i64 = 999;

/// A tray (ホッパ) of a printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tray {
    /// The IPP `media-source` keyword the printer knows it by (`tray-1`).
    pub keyword: String,
    /// The label staff see (「トレー1（改ざん防止用紙）」).
    pub label: String,
}

/// A registered printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printer {
    /// Its number, 1–999, given at registration (0 asks for the next free one).
    pub id: i64,
    /// 名称 (「本庁1階 市民課 窓口1」).
    pub name: String,
    /// Where it takes IPP requests (`ipp://192.0.2.10/ipp/print`).
    pub uri: String,
    /// Its trays, the first the default.
    pub trays: Vec<Tray>,
    /// Terminals (1.3.1, by code) whose certificates go to this printer by default.
    #[serde(default)]
    pub terminals: Vec<String>,
    /// 使用中: a printer taken out of use stays registered (its number is not given again).
    #[serde(default = "yes")]
    pub in_use: bool,
}

fn yes() -> bool {
    true
}

fn invalid(reason: impl Into<String>) -> DomainError {
    DomainError::PrinterRegistration {
        reason: reason.into(),
    }
}

impl Printer {
    /// Checks and tidies a registration (E-PRINT-001).
    pub fn validate(&mut self) -> Result<(), DomainError> {
        self.name = self.name.trim().to_string();
        self.uri = self.uri.trim().to_string();
        if self.name.is_empty() {
            return Err(invalid("名称が必要です"));
        }
        if self.name.chars().count() > 40 {
            return Err(invalid("名称は40文字以内です"));
        }
        http_uri(&self.uri)?;
        if !(1..=MAX_PRINTERS).contains(&self.id) {
            return Err(invalid(format!(
                "プリンタ番号は1から{MAX_PRINTERS}までです"
            )));
        }
        if self.trays.is_empty() {
            return Err(invalid("トレーを一つ以上登録してください"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &mut self.trays {
            t.keyword = t.keyword.trim().to_string();
            t.label = t.label.trim().to_string();
            let ok = !t.keyword.is_empty()
                && t.keyword.len() <= 63
                && t.keyword.starts_with(|c: char| c.is_ascii_lowercase())
                && t.keyword
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !ok {
                return Err(invalid(format!(
                    "トレー「{}」: IPPのmedia-sourceのキーワード(英小文字・数字・ハイフン、例: tray-1)で指定してください",
                    t.keyword
                )));
            }
            if t.label.is_empty() {
                t.label = t.keyword.clone();
            }
            if !seen.insert(t.keyword.clone()) {
                return Err(invalid(format!("トレー「{}」が重複しています", t.keyword)));
            }
        }
        for code in &mut self.terminals {
            *code = code.trim().to_string();
        }
        self.terminals.retain(|c| !c.is_empty());
        Ok(())
    }

    /// The tray asked for (its keyword), or the first; E-PRINT-002 for one not registered.
    pub fn tray(&self, keyword: Option<&str>) -> Result<&Tray, DomainError> {
        match keyword.map(str::trim).filter(|k| !k.is_empty()) {
            None => self.trays.first().ok_or_else(|| self.unknown_tray("")),
            Some(k) => self
                .trays
                .iter()
                .find(|t| t.keyword == k)
                .ok_or_else(|| self.unknown_tray(k)),
        }
    }

    fn unknown_tray(&self, keyword: &str) -> DomainError {
        DomainError::NoPrinter {
            what: format!("プリンタ「{}」のトレー「{keyword}」", self.name),
        }
    }

    /// `プリンタ001`: how the 発行番号 names it (5.5).
    pub fn number_label(id: i64) -> String {
        format!("プリンタ{id:03}")
    }
}

/// The HTTP address an IPP printer URI is reached at: `ipp://h/p` is `http://h:631/p`,
/// `ipps://h/p` is `https://h:443/p` (RFC 8010 §3.2 and RFC 7472), `http(s)://` as given.
pub fn http_uri(uri: &str) -> Result<String, DomainError> {
    let bad = || {
        invalid(format!(
            "プリンタのアドレス「{uri}」はipp://、ipps://、http://またはhttps://で始まるURIで指定してください"
        ))
    };
    let (scheme, rest) = uri.split_once("://").ok_or_else(bad)?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || rest.chars().any(|c| c.is_whitespace()) {
        return Err(bad());
    }
    let has_port = host.rsplit_once(':').is_some_and(|(_, p)| {
        !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && !host.ends_with(']')
    });
    let path = &rest[host.len()..];
    let (http, port) = match scheme.to_ascii_lowercase().as_str() {
        "ipp" => ("http", ":631"),
        "ipps" => ("https", ":443"),
        "http" => ("http", ""),
        "https" => ("https", ""),
        _ => return Err(bad()),
    };
    let port = if has_port { "" } else { port };
    Ok(format!("{http}://{host}{port}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer() -> Printer {
        Printer {
            id: 1,
            name: " 市民課 窓口1 ".into(),
            uri: "ipp://192.0.2.10/ipp/print".into(),
            trays: vec![
                Tray {
                    keyword: "tray-1".into(),
                    label: "トレー1".into(),
                },
                Tray {
                    keyword: "tray-2".into(),
                    label: "".into(),
                },
            ],
            terminals: vec![" T01 ".into(), "".into()],
            in_use: true,
        }
    }

    #[test]
    fn a_registration_is_checked_and_tidied() {
        let mut p = printer();
        p.validate().expect("valid");
        assert_eq!(p.name, "市民課 窓口1");
        assert_eq!(p.trays[1].label, "tray-2");
        assert_eq!(p.terminals, vec!["T01".to_string()]);
        assert_eq!(p.tray(None).expect("default").keyword, "tray-1");
        assert_eq!(p.tray(Some("tray-2")).expect("second").keyword, "tray-2");
        let e = p.tray(Some("tray-9")).expect_err("unknown");
        assert_eq!(e.code(), "E-PRINT-002");

        for (change, why) in [
            (
                Box::new(|p: &mut Printer| p.name = " ".into()) as Box<dyn Fn(&mut Printer)>,
                "名称",
            ),
            (
                Box::new(|p: &mut Printer| p.uri = "lpd://x/q".into()),
                "アドレス",
            ),
            (
                Box::new(|p: &mut Printer| p.uri = "ipp:///x".into()),
                "アドレス",
            ),
            (Box::new(|p: &mut Printer| p.id = 1000), "番号"),
            (Box::new(|p: &mut Printer| p.trays.clear()), "トレー"),
            (
                Box::new(|p: &mut Printer| p.trays[1].keyword = "Tray 2".into()),
                "キーワード",
            ),
            (
                Box::new(|p: &mut Printer| p.trays[1].keyword = "tray-1".into()),
                "重複",
            ),
        ] {
            let mut p = printer();
            change(&mut p);
            let e = p.validate().expect_err(why);
            assert_eq!(e.code(), "E-PRINT-001");
            assert!(e.to_string().contains(why), "{e}");
        }
    }

    #[test]
    fn ipp_addresses_map_to_http() {
        for (uri, http) in [
            (
                "ipp://192.0.2.10/ipp/print",
                "http://192.0.2.10:631/ipp/print",
            ),
            (
                "ipp://printer.local:8631/ipp/print",
                "http://printer.local:8631/ipp/print",
            ),
            (
                "ipps://printer.local/ipp/print",
                "https://printer.local:443/ipp/print",
            ),
            ("http://127.0.0.1:9100/ipp", "http://127.0.0.1:9100/ipp"),
            ("IPP://[2001:db8::1]/ipp", "http://[2001:db8::1]:631/ipp"),
        ] {
            assert_eq!(http_uri(uri).expect(uri), http);
        }
        assert_eq!(Printer::number_label(7), "プリンタ007");
    }
}
