//! 宛名シール (9.6): address labels on A4 sheets of 12 (2 across, 6 down, 86.4 × 42.3 mm
//! each, the common 12面 layout), each with the 郵便番号, the address and the name with
//! 様. Same font and glyph checks as the certificates; a long address is wrapped onto a
//! second line, and shrunk to fit its box as the certificates' values are.

use crate::{CertError, CertFont, PAGE_H, PAGE_W, Pen, Rendered};
use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

/// One label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub postal_code: Option<String>,
    pub address: String,
    pub name: String,
}

const MM: f32 = 72.0 / 25.4;
const ACROSS: usize = 2;
const DOWN: usize = 6;

/// Splits an address in two near its middle where it is long (at the full-width space
/// before a 方書 when there is one).
fn address_lines(address: &str) -> Vec<String> {
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 22 {
        return vec![address.to_string()];
    }
    let cut = chars
        .iter()
        .position(|c| *c == '　')
        .unwrap_or(chars.len() / 2);
    vec![
        chars[..cut].iter().collect(),
        chars[cut..].iter().collect::<String>().trim().to_string(),
    ]
}

/// Draws the labels, 12 to a page.
pub fn render_labels(font: &CertFont, labels: &[Label]) -> Result<Rendered, CertError> {
    font.check_all(
        labels
            .iter()
            .flat_map(|l| [l.address.as_str(), l.name.as_str()])
            .chain(labels.iter().filter_map(|l| l.postal_code.as_deref())),
    )?;
    let face = font.face()?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title("宛名シール".to_string())
            .language("ja".into()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| CertError::Pdf("page size".into()))?;
    let (w, h) = (86.4 * MM, 42.3 * MM);
    let left = (PAGE_W - w * ACROSS as f32) / 2.0;
    let top = (PAGE_H - h * DOWN as f32) / 2.0;
    let chunks: Vec<&[Label]> = if labels.is_empty() {
        vec![&[]]
    } else {
        labels.chunks(ACROSS * DOWN).collect()
    };
    let pages = chunks.len() as u32;
    for sheet in chunks {
        let mut page = doc.start_page_with(settings.clone());
        {
            let mut pen = Pen {
                surface: page.surface(),
                face: &face,
                font: font.font.clone(),
            };
            for (i, l) in sheet.iter().enumerate() {
                let x = left + (i % ACROSS) as f32 * w + 5.0 * MM;
                let mut y = top + (i / ACROSS) as f32 * h + 8.0 * MM;
                let width = w - 10.0 * MM;
                if let Some(pc) = &l.postal_code {
                    pen.text(x, y, 10.0, &format!("〒{pc}"), Some(width))?;
                }
                y += 6.0 * MM;
                for line in address_lines(&l.address) {
                    pen.text(x, y, 10.5, &line, Some(width))?;
                    y += 5.0 * MM;
                }
                y += 4.0 * MM;
                pen.text(
                    x + 4.0 * MM,
                    y,
                    14.0,
                    &format!("{}　様", l.name),
                    Some(width - 4.0 * MM),
                )?;
            }
            pen.surface.finish();
        }
        page.finish();
    }
    let pdf = doc.finish().map_err(|e| CertError::Pdf(format!("{e:?}")))?;
    Ok(Rendered { pdf, pages })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_addresses_wrap_at_the_katagaki() {
        assert_eq!(
            address_lines("神奈川県横浜市中区本町一丁目1番地"),
            vec!["神奈川県横浜市中区本町一丁目1番地"]
        );
        assert_eq!(
            address_lines("神奈川県横浜市中区本町一丁目1番地　本町ハイツ101号"),
            vec!["神奈川県横浜市中区本町一丁目1番地", "本町ハイツ101号"]
        );
    }
}
