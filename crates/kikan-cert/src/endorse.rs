//! 券面記載 (7.1.1.3): a 追記 drawn for the card printer — a page the size of a card (ID-1,
//! 85.60 × 53.98 mm) whose lines are the card's 追記欄; the text starts at the first free
//! line (the 残行数 staff read off the card) and takes as few lines as it can at the
//! largest size that fits, or the lines and size staff set; the 職印 (the registered
//! カード券面用印, or a drawn 「職印」 when none is) beside the last line.

use crate::letter::wrap_text;
use crate::{CertError, CertFont, MM, Pen, Rendered, red};
use kikan_domain::endorsement::Endorsement;
use krilla::Document;
use krilla::geom::{PathBuilder, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};

/// ID-1 card, in points.
const CARD_W: f32 = 85.60 * MM;
const CARD_H: f32 = 53.98 * MM;
const MARGIN: f32 = 3.0 * MM;
/// The sizes tried, largest first (points).
const LARGEST: f32 = 8.0;
const SMALLEST: f32 = 4.0;

/// How the 追記 is placed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardLayout {
    /// The 追記欄's lines.
    pub total_lines: u32,
    /// 残行数: the lines still free (the text starts at the first of them).
    pub lines_left: u32,
    /// 印字行数: the lines to use (at most `lines_left`); None: as few as fit.
    pub lines: Option<u32>,
    /// 文字の大きさ (points); None: the largest that fits.
    pub size: Option<f32>,
}

/// What was drawn: the PDF, the lines used and the size.
pub struct Endorsed {
    pub rendered: Rendered,
    pub lines_used: u32,
    pub size: f32,
}

/// Why a 追記 cannot be drawn as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayoutError {
    #[error("追記欄の行数({total})と残行数({left})・印字行数の指定が合いません")]
    Lines { total: u32, left: u32 },
    #[error("残り{lines}行に収まりません(文字の大きさ{size}ポイントでは{needed}行必要です)")]
    DoesNotFit { lines: u32, needed: u32, size: f32 },
}

/// Draws a 追記 for the card printer. `seal` is the registered カード券面用印 (PNG).
pub fn render_endorsement(
    font: &CertFont,
    e: &Endorsement,
    layout: CardLayout,
    seal: Option<&[u8]>,
) -> Result<Result<Endorsed, LayoutError>, CertError> {
    let total = layout.total_lines;
    let allowed = layout.lines.unwrap_or(layout.lines_left);
    if total == 0
        || total > 20
        || layout.lines_left == 0
        || layout.lines_left > total
        || allowed == 0
        || allowed > layout.lines_left
    {
        return Ok(Err(LayoutError::Lines {
            total,
            left: layout.lines_left,
        }));
    }
    let face = font.face()?;
    let texts = e.lines();
    font.check_all(texts.iter().map(String::as_str))?;
    let line_h = (CARD_H - 2.0 * MARGIN) / total as f32;
    let seal_side = (line_h * 1.6).min(9.0 * MM);
    let width = CARD_W - 2.0 * MARGIN - seal_side - 1.0 * MM;
    let wrap_at = |size: f32| -> Result<Vec<String>, CertError> {
        let mut out = vec![];
        for t in &texts {
            out.extend(wrap_text(&face, t, size, width)?);
        }
        Ok(out)
    };
    let sizes: Vec<f32> = match layout.size {
        Some(s) => vec![s.clamp(SMALLEST, LARGEST)],
        None => (0..)
            .map(|i| LARGEST - 0.5 * i as f32)
            .take_while(|s| *s >= SMALLEST)
            .collect(),
    };
    let mut chosen = None;
    let mut last = (0, SMALLEST);
    for size in sizes {
        let size = size.min(line_h * 0.9);
        let lines = wrap_at(size)?;
        let needed = u32::try_from(lines.len()).unwrap_or(u32::MAX);
        if needed <= allowed {
            chosen = Some((lines, size));
            break;
        }
        last = (needed, size);
    }
    let Some((lines, size)) = chosen else {
        return Ok(Err(LayoutError::DoesNotFit {
            lines: allowed,
            needed: last.0,
            size: last.1,
        }));
    };
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!("{} 追記({})", e.card.label(), e.reason))
            .language("ja".into()),
    );
    let settings =
        PageSettings::from_wh(CARD_W, CARD_H).ok_or_else(|| CertError::Pdf("card size".into()))?;
    let mut page = doc.start_page_with(settings);
    {
        let mut pen = Pen {
            surface: page.surface(),
            face: &face,
            font: font.font.clone(),
        };
        let first = (total - layout.lines_left) as f32;
        let mut baseline = 0.0;
        for (i, line) in lines.iter().enumerate() {
            let top = MARGIN + (first + i as f32) * line_h;
            baseline = top + line_h * 0.5 + size * 0.35;
            pen.text(MARGIN, baseline, size, line, Some(width))?;
        }
        let x = CARD_W - MARGIN - seal_side;
        let y = (baseline + size * 0.3 - seal_side).max(MARGIN);
        match seal {
            Some(png) => pen.image(x, y, seal_side, png)?,
            None => drawn_seal(&mut pen, x, y, seal_side)?,
        }
        pen.surface.finish();
    }
    page.finish();
    let pdf = doc.finish().map_err(|e| CertError::Pdf(format!("{e:?}")))?;
    Ok(Ok(Endorsed {
        rendered: Rendered { pdf, pages: 1 },
        lines_used: u32::try_from(lines.len()).unwrap_or(u32::MAX),
        size,
    }))
}

/// A 「職印」 square, for a municipality that has registered no カード券面用印.
fn drawn_seal(pen: &mut Pen<'_, '_>, x: f32, y: f32, side: f32) -> Result<(), CertError> {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, y, side, side) {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        pen.surface.set_fill(None);
        pen.surface.set_stroke(Some(Stroke {
            width: 0.6,
            paint: krilla::color::rgb::Color::new(200, 30, 30).into(),
            ..Stroke::default()
        }));
        pen.surface.draw_path(&path);
        pen.surface.set_stroke(None);
    }
    pen.surface.set_fill(Some(red(0.85)));
    pen.centered(x + side / 2.0, y + side * 0.68, side * 0.38, "職印")?;
    pen.surface.set_fill(Some(Fill::default()));
    Ok(())
}
