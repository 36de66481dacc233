//! Letters (通知書・照会書) as A4 PDF: addressee, date and sender, title, body, 記 with
//! the items, a table, and a 回答欄 when the recipient answers. The content comes from
//! `kikan_domain::letters`; the same font and glyph checks as the certificates apply.

use crate::{CertError, CertFont, LEFT, PAGE_H, PAGE_W, Pen, RIGHT, Rendered, shape};
use kikan_domain::letters::Letter;
use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

const BODY: f32 = 11.0;
const LINE: f32 = 19.0;
const CELL: f32 = 20.0;
const LABEL_W: f32 = 130.0;

/// Splits `text` into lines no wider than `max` at `size` (Japanese text breaks
/// anywhere; a variation sequence stays with its base character).
pub(crate) fn wrap_text(
    face: &rustybuzz::Face<'_>,
    text: &str,
    size: f32,
    max: f32,
) -> Result<Vec<String>, CertError> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        let mut next = line.clone();
        next.push(c);
        if !crate::is_selector(c) && !line.is_empty() && shape(face, &next)?.width * size > max {
            lines.push(std::mem::take(&mut line));
            next = c.to_string();
        }
        line = next;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// Draws `letter` as an A4 PDF of one page.
pub fn render_letter(font: &CertFont, letter: &Letter) -> Result<Rendered, CertError> {
    render_letters(font, std::slice::from_ref(letter))
}

/// Draws letters as one A4 PDF, a page each (a batch's notices, printed together).
pub fn render_letters(font: &CertFont, letters: &[Letter]) -> Result<Rendered, CertError> {
    let face = font.face()?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(letters.first().map(|l| l.title.clone()).unwrap_or_default())
            .language("ja".into()),
    );
    for letter in letters {
        draw_page(&mut doc, font, &face, letter)?;
    }
    let pdf = doc.finish().map_err(|e| CertError::Pdf(format!("{e:?}")))?;
    Ok(Rendered {
        pdf,
        pages: u32::try_from(letters.len()).unwrap_or(u32::MAX),
    })
}

fn draw_page(
    doc: &mut Document,
    font: &CertFont,
    face: &rustybuzz::Face<'_>,
    letter: &Letter,
) -> Result<(), CertError> {
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| CertError::Pdf("page size".into()))?;
    let mut page = doc.start_page_with(settings);
    {
        let mut pen = Pen {
            surface: page.surface(),
            face,
            font: font.font.clone(),
        };
        let w = RIGHT - LEFT;
        pen.right(RIGHT, 64.0, BODY, &letter.dated)?;
        if let Some(serial) = letter.serial {
            pen.text(LEFT, 64.0, 9.0, &format!("交付番号 第{serial:06}号"), None)?;
        }
        let mut y = 96.0;
        for (i, line) in letter.to.iter().enumerate() {
            let size = if i + 1 == letter.to.len() { 13.0 } else { BODY };
            pen.text(LEFT, y, size, line, Some(w * 0.7))?;
            y += LINE;
        }
        y += 8.0;
        pen.right(RIGHT, y, 12.0, &letter.from)?;
        y += 44.0;
        pen.centered(PAGE_W / 2.0, y, 18.0, &letter.title)?;
        y += 34.0;
        for paragraph in &letter.body {
            for (i, line) in wrap_text(face, paragraph, BODY, w - BODY)?
                .iter()
                .enumerate()
            {
                let indent = if i == 0 { BODY } else { 0.0 };
                pen.text(LEFT + indent, y, BODY, line, None)?;
                y += LINE;
            }
        }
        if !letter.items.is_empty() {
            y += 8.0;
            pen.centered(PAGE_W / 2.0, y, 12.0, "記")?;
            y += 12.0;
            for (label, value) in &letter.items {
                pen.rect(LEFT, y, LABEL_W, CELL, 0.5);
                pen.rect(LEFT + LABEL_W, y, w - LABEL_W, CELL, 0.5);
                pen.text(LEFT + 5.0, y + 14.0, 10.0, label, Some(LABEL_W - 10.0))?;
                pen.text(
                    LEFT + LABEL_W + 5.0,
                    y + 14.0,
                    10.0,
                    value,
                    Some(w - LABEL_W - 10.0),
                )?;
                y += CELL;
            }
        }
        if let Some(columns) = letter.table.first().map(Vec::len).filter(|n| *n > 0) {
            y += 12.0;
            let cw = w / columns as f32;
            for row in &letter.table {
                for (i, cell) in row.iter().enumerate() {
                    let x = LEFT + cw * i as f32;
                    pen.rect(x, y, cw, CELL, 0.5);
                    pen.text(x + 5.0, y + 14.0, 10.0, cell, Some(cw - 10.0))?;
                }
                y += CELL;
            }
        }
        if !letter.reply.is_empty() {
            y += 18.0;
            let top = y;
            pen.text(LEFT + 6.0, y + 16.0, 11.0, "回答欄", None)?;
            y += 24.0;
            for line in &letter.reply {
                pen.text(LEFT + 12.0, y + 14.0, 10.5, line, Some(w - 24.0))?;
                y += LINE + 4.0;
            }
            pen.rect(LEFT, top, w, y - top + 6.0, 1.0);
        }
        pen.surface.finish();
    }
    page.finish();
    Ok(())
}
