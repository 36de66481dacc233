//! Lists (一覧) as A4 PDF: a title, lines saying what was listed, then a table that runs
//! over as many pages as it needs, its heading row repeated on each, the page number at
//! the foot. The 住民基本台帳の一部の写し（閲覧用） (9.5) is drawn with it. Same font and
//! glyph checks as the certificates.

use crate::{CertError, CertFont, LEFT, PAGE_H, PAGE_W, Pen, RIGHT, Rendered};
use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

const CELL: f32 = 18.0;
const TOP: f32 = 60.0;
const BOTTOM: f32 = PAGE_H - 50.0;

/// A list to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub title: String,
    /// What was listed (conditions, the date, the order), printed under the title on
    /// the first page.
    pub about: Vec<String>,
    /// The heading row.
    pub headings: Vec<String>,
    /// The share of the width of each column (summing to 1).
    pub widths: Vec<f32>,
    pub rows: Vec<Vec<String>>,
}

/// Draws `list`.
pub fn render_list(font: &CertFont, list: &List) -> Result<Rendered, CertError> {
    font.check_all(
        list.rows
            .iter()
            .flatten()
            .chain(&list.headings)
            .chain(&list.about)
            .map(String::as_str)
            .chain([list.title.as_str()]),
    )?;
    let face = font.face()?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(list.title.clone())
            .language("ja".into()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| CertError::Pdf("page size".into()))?;
    let w = RIGHT - LEFT;
    let first_rows = ((BOTTOM - TOP - 40.0 - 16.0 * list.about.len() as f32) / CELL) as usize - 1;
    let other_rows = ((BOTTOM - TOP) / CELL) as usize - 1;
    let mut chunks: Vec<&[Vec<String>]> = vec![];
    let mut rest: &[Vec<String>] = &list.rows;
    let mut per = first_rows.max(1);
    loop {
        let (now, later) = rest.split_at(per.min(rest.len()));
        chunks.push(now);
        rest = later;
        per = other_rows.max(1);
        if rest.is_empty() {
            break;
        }
    }
    let pages = chunks.len() as u32;
    for (n, rows) in chunks.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        {
            let mut pen = Pen {
                surface: page.surface(),
                face: &face,
                font: font.font.clone(),
            };
            let mut y = TOP;
            if n == 0 {
                pen.centered(PAGE_W / 2.0, y, 16.0, &list.title)?;
                y += 24.0;
                for line in &list.about {
                    pen.text(LEFT, y, 9.5, line, Some(w))?;
                    y += 16.0;
                }
                y += 8.0;
            }
            let row = |pen: &mut Pen<'_, '_>, y: f32, cells: &[String]| -> Result<(), CertError> {
                let mut x = LEFT;
                for (cell, share) in cells.iter().zip(&list.widths) {
                    let cw = w * share;
                    pen.rect(x, y, cw, CELL, 0.5);
                    pen.text(x + 4.0, y + 13.0, 9.5, cell, Some(cw - 8.0))?;
                    x += cw;
                }
                Ok(())
            };
            row(&mut pen, y, &list.headings)?;
            y += CELL;
            for cells in rows.iter() {
                row(&mut pen, y, cells)?;
                y += CELL;
            }
            pen.centered(
                PAGE_W / 2.0,
                PAGE_H - 28.0,
                9.0,
                &format!("{} / {}", n + 1, pages),
            )?;
            pen.surface.finish();
        }
        page.finish();
    }
    let pdf = doc.finish().map_err(|e| CertError::Pdf(format!("{e:?}")))?;
    Ok(Rendered { pdf, pages })
}
