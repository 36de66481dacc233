//! kikan-cert: certificates (住民票の写し, 記載事項証明書, 除票の写し) and letters (通知書・照会書)
//! as A4 PDF.
//!
//! The content comes from `kikan_domain::certificate`; this crate only draws it. Text is
//! shaped with rustybuzz against IPAmj明朝, whose cmap format 14 maps each Moji_Joho
//! ideographic variation sequence (葛 U+845B U+E0102 …) to its registered glyph, and the
//! font is embedded as a subset by krilla. Before anything is drawn every character and
//! every variation sequence is looked up in the font: a missing glyph is an error
//! ([`CertError::MissingGlyph`]), never a silent fallback to another character.

pub mod endorse;
pub mod issue;
pub mod labels;
pub mod letter;
pub mod list;
pub mod seal;
pub mod settings;

pub use labels::{Label, render_labels};
pub use letter::{render_letter, render_letters};
pub use list::{List, render_list};

use kikan_domain::certificate::{CertificateContent, Field, SealPrint};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where Debian's fonts-ipamj-mincho puts the font.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/ipamj/ipamjm.ttf";

/// Why a certificate could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error(
        "証明書に印字できない文字があります:「{ch}」({codepoints})。登録されている字形がフォントにありません(対象:「{text}」)"
    )]
    MissingGlyph {
        ch: String,
        codepoints: String,
        text: String,
    },
    #[error("証明書用フォントを読み込めません({0})")]
    Font(String),
    #[error("PDFを作成できません({0})")]
    Pdf(String),
}

impl CertError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CertError::MissingGlyph { .. } => "E-CERT-010",
            CertError::Font(_) => "E-CERT-011",
            CertError::Pdf(_) => "E-CERT-012",
        }
    }
}

fn is_selector(c: char) -> bool {
    matches!(c as u32, 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
}

/// The certificate font, loaded once and shared (IPAmj明朝 is 46 MB).
#[derive(Clone)]
pub struct CertFont {
    data: Arc<Vec<u8>>,
    font: Font,
}

impl std::fmt::Debug for CertFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertFont({} bytes)", self.data.len())
    }
}

impl CertFont {
    /// The font file to use: `KIKAN_CERT_FONT`, else Debian's IPAmj明朝.
    pub fn default_path() -> PathBuf {
        std::env::var_os("KIKAN_CERT_FONT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_FONT))
    }

    pub fn load(path: &Path) -> Result<Self, CertError> {
        let bytes =
            std::fs::read(path).map_err(|e| CertError::Font(format!("{}: {e}", path.display())))?;
        Self::from_bytes(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CertError> {
        let data = Arc::new(bytes);
        if rustybuzz::Face::from_slice(&data, 0).is_none() {
            return Err(CertError::Font("OpenType フォントではありません".into()));
        }
        let font = Font::new(data.clone().into(), 0)
            .ok_or_else(|| CertError::Font("OpenType フォントではありません".into()))?;
        Ok(CertFont { data, font })
    }

    /// The font's face (its tables, for shaping and look-ups).
    pub fn face(&self) -> Result<rustybuzz::Face<'_>, CertError> {
        rustybuzz::Face::from_slice(&self.data, 0)
            .ok_or_else(|| CertError::Font("フォントを解析できません".into()))
    }

    /// Checks that every character of `text`, and every variation sequence in it, has its
    /// own glyph in the font.
    pub fn check(&self, text: &str) -> Result<(), CertError> {
        check_with(&self.face()?, text)
    }

    /// [`CertFont::check`] for many strings, with one parse of the font.
    pub fn check_all<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Result<(), CertError> {
        let face = self.face()?;
        texts.into_iter().try_for_each(|t| check_with(&face, t))
    }

    /// A test of [`CertFont::check`] to run on many strings, with one parse of the font.
    pub fn printable(&self) -> Result<impl Fn(&str) -> bool + '_, CertError> {
        let face = self.face()?;
        Ok(move |text: &str| check_with(&face, text).is_ok())
    }

    /// The glyph the font draws for `text` (one character, optionally with a selector).
    pub fn glyph_of(&self, text: &str) -> Result<u16, CertError> {
        let face = self.face()?;
        let shaped = shape(&face, text)?;
        Ok(shaped
            .glyphs
            .first()
            .map(|g| g.glyph_id.to_u32() as u16)
            .unwrap_or(0))
    }
}

fn check_with(face: &rustybuzz::Face<'_>, text: &str) -> Result<(), CertError> {
    let missing = |s: &str| CertError::MissingGlyph {
        ch: s.to_string(),
        codepoints: s
            .chars()
            .map(|c| format!("U+{:04X}", c as u32))
            .collect::<Vec<_>>()
            .join(" "),
        text: text.to_string(),
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() && c != '\u{3000}' {
            continue;
        }
        if is_selector(c) {
            // A selector with nothing before it cannot select anything.
            return Err(missing(&c.to_string()));
        }
        match chars.peek().copied() {
            Some(vs) if is_selector(vs) => {
                chars.next();
                if face.glyph_variation_index(c, vs).is_none() {
                    return Err(missing(&format!("{c}{vs}")));
                }
            }
            _ => {
                if face.glyph_index(c).is_none() {
                    return Err(missing(&c.to_string()));
                }
            }
        }
    }
    Ok(())
}

struct Shaped {
    glyphs: Vec<KrillaGlyph>,
    /// The advance of the whole run at size 1.
    width: f32,
}

fn shape(face: &rustybuzz::Face<'_>, text: &str) -> Result<Shaped, CertError> {
    check_with(face, text)?;
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(rustybuzz::Direction::LeftToRight);
    buffer.guess_segment_properties();
    let out = rustybuzz::shape(face, &[], buffer);
    let upem = face.units_per_em() as f32;
    let infos = out.glyph_infos();
    let positions = out.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0.0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        if info.glyph_id == 0 {
            let start = info.cluster as usize;
            let ch: String = text[start..].chars().take(1).collect();
            return Err(CertError::MissingGlyph {
                codepoints: ch.chars().map(|c| format!("U+{:04X}", c as u32)).collect(),
                ch,
                text: text.to_string(),
            });
        }
        let start = info.cluster as usize;
        let end = infos[i + 1..]
            .iter()
            .find(|n| n.cluster != info.cluster)
            .map_or(text.len(), |n| n.cluster as usize);
        let advance = pos.x_advance as f32 / upem;
        width += advance;
        glyphs.push(KrillaGlyph {
            glyph_id: GlyphId::new(info.glyph_id),
            text_range: start..end,
            x_advance: advance,
            x_offset: pos.x_offset as f32 / upem,
            y_offset: pos.y_offset as f32 / upem,
            y_advance: pos.y_advance as f32 / upem,
            location: None,
        });
    }
    Ok(Shaped { glyphs, width })
}

/// What is printed beside the content: the issue's serial and verification code.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp<'a> {
    /// 交付番号 (0 for a preview).
    pub serial: i64,
    /// 照合番号.
    pub code: String,
    /// A preview (見本): marked as such, with no serial or code.
    pub preview: bool,
    /// The registered seal the content names.
    pub seal: Option<&'a kikan_domain::certifier::Seal>,
    /// 交付場所 (`terminal@place`), when known: its terminal is part of the 発行番号.
    pub place: Option<String>,
    /// The registered printer it is printed on (10.7), when printed by kikan: its number
    /// is part of the 発行番号.
    pub printer: Option<i64>,
}

impl Stamp<'_> {
    /// 発行番号 (5.5): 発行年月日・市区町村名・発行端末・発行プリンタ (when kikan prints it; a
    /// PDF handed to the browser names none)・発行された順の番号・頁／総頁 —
    /// 20261202 横浜市 T01 プリンタ001 000123 1/2.
    pub fn issue_number(&self, content: &CertificateContent, page: u32, pages: u32) -> String {
        if self.preview {
            return "発行番号 ―（見本）".into();
        }
        let terminal = self
            .place
            .as_deref()
            .and_then(|p| p.split('@').next())
            .filter(|t| !t.is_empty())
            .map(|t| format!("{t} "))
            .unwrap_or_default();
        let printer = self
            .printer
            .map(|n| format!("{} ", kikan_domain::printer::Printer::number_label(n)))
            .unwrap_or_default();
        format!(
            "発行番号 {} {} {terminal}{printer}{:06} {page}/{pages}",
            content.issued_on.format("%Y%m%d"),
            content.municipality,
            self.serial
        )
    }
}

/// A drawn certificate.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: u32,
}

impl Rendered {
    /// The SHA-256 of the PDF, hex: recorded at issue, compared by `cert verify`.
    pub fn sha256(&self) -> String {
        sha256_hex(&self.pdf)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Formats a verification code for print: groups of four.
pub fn format_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

// ---- page geometry (points; A4 portrait, y grows downwards) ----
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 42.0;
const RIGHT: f32 = PAGE_W - 42.0;
const ROW: f32 = 17.0;
const LABEL_W: f32 = 92.0;
const NUMBER_W: f32 = 18.0;
/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
const FOOTER_TOP: f32 = PAGE_H - 205.0;

struct Pen<'a, 'f> {
    surface: Surface<'a>,
    face: &'f rustybuzz::Face<'f>,
    font: Font,
}

fn red(opacity: f32) -> Fill {
    Fill {
        paint: rgb::Color::new(200, 30, 30).into(),
        opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
        ..Fill::default()
    }
}

impl Pen<'_, '_> {
    /// Draws `text` with its left end at `x` and its baseline at `y`; shrinks it to `max`
    /// width when given. Returns the width drawn.
    fn text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        text: &str,
        max: Option<f32>,
    ) -> Result<f32, CertError> {
        if text.is_empty() {
            return Ok(0.0);
        }
        let shaped = shape(self.face, text)?;
        let mut size = size;
        if let Some(max) = max
            && shaped.width * size > max
        {
            size = (max / shaped.width).max(MIN_TEXT);
        }
        Ok(self.place(&shaped, x, y, size, text))
    }

    fn place(&mut self, shaped: &Shaped, x: f32, y: f32, size: f32, text: &str) -> f32 {
        self.surface.draw_glyphs(
            Point::from_xy(x, y),
            &shaped.glyphs,
            self.font.clone(),
            text,
            size,
            false,
        );
        shaped.width * size
    }

    /// Draws `text` so that the point `anchor` of its width (0: left, 0.5: centre,
    /// 1: right) falls on `x`.
    fn aligned(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        text: &str,
        anchor: f32,
    ) -> Result<(), CertError> {
        let shaped = shape(self.face, text)?;
        self.place(&shaped, x - shaped.width * size * anchor, y, size, text);
        Ok(())
    }

    fn centered(&mut self, cx: f32, y: f32, size: f32, text: &str) -> Result<(), CertError> {
        self.aligned(cx, y, size, text, 0.5)
    }

    fn right(&mut self, rx: f32, y: f32, size: f32, text: &str) -> Result<(), CertError> {
        self.aligned(rx, y, size, text, 1.0)
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32) {
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            let mut pb = PathBuilder::new();
            pb.push_rect(r);
            self.stroke(pb, width);
        }
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y1);
        pb.line_to(x2, y2);
        self.stroke(pb, width);
    }

    /// Strokes a path in black.
    fn stroke(&mut self, pb: PathBuilder, width: f32) {
        if let Some(path) = pb.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width,
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(Fill::default()));
        }
    }

    /// One ruled row of label/value cells; `cells` are (label, value, width share).
    fn row(&mut self, x: f32, y: f32, w: f32, cells: &[&Field]) -> Result<(), CertError> {
        self.rect(x, y, w, ROW, 0.5);
        let cell_w = w / cells.len() as f32;
        for (i, f) in cells.iter().enumerate() {
            let cx = x + cell_w * i as f32;
            if i > 0 {
                self.line(cx, y, cx, y + ROW, 0.5);
            }
            self.line(cx + LABEL_W, y, cx + LABEL_W, y + ROW, 0.3);
            let label_max = LABEL_W - 6.0;
            self.text(cx + 3.0, y + 12.0, 8.0, &f.label, Some(label_max))?;
            let value_max = value_width(w, cells.len());
            self.text(
                cx + LABEL_W + 3.0,
                y + 12.5,
                10.0,
                &f.value,
                Some(value_max),
            )?;
        }
        Ok(())
    }

    /// The rows of a list of fields ([`rows_of`]).
    fn fields(&mut self, x: f32, mut y: f32, w: f32, fields: &[Field]) -> Result<f32, CertError> {
        for row in rows_of(fields) {
            let cells: Vec<&Field> = row.iter().map(|i| &fields[*i]).collect();
            self.row(x, y, w, &cells)?;
            y += ROW;
        }
        Ok(y)
    }

    /// A faint wave pattern behind the entries (地紋), as security paper has: lines, not
    /// text, so that it stays out of the extracted text and the file stays small.
    fn background(&mut self) {
        // Each line is a run of half waves, one cubic curve each (a few dozen path
        // operators a line, so the page stays quick to compress).
        const HALF: f32 = 53.0;
        const AMPLITUDE: f32 = 3.5;
        let mut pb = PathBuilder::new();
        let mut k = 0.0_f32;
        let mut y0 = 118.0;
        while y0 < PAGE_H - 76.0 {
            let mut x = LEFT - 6.0 - (k * 15.0) % (2.0 * HALF);
            let mut up = true;
            pb.move_to(x, y0);
            while x < RIGHT + 6.0 {
                let c = if up { -AMPLITUDE } else { AMPLITUDE } * 4.0 / 3.0;
                pb.cubic_to(
                    x + HALF / 3.0,
                    y0 + c,
                    x + 2.0 * HALF / 3.0,
                    y0 + c,
                    x + HALF,
                    y0,
                );
                x += HALF;
                up = !up;
            }
            y0 += 9.0;
            k += 1.0;
        }
        if let Some(path) = pb.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width: 0.35,
                paint: rgb::Color::new(196, 214, 226).into(),
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(Fill::default()));
        }
    }

    fn preview_mark(&mut self) -> Result<(), CertError> {
        self.surface.set_fill(Some(red(0.22)));
        self.surface.push_transform(&Transform::from_rotate_at(
            -35.0,
            PAGE_W / 2.0,
            PAGE_H / 2.0,
        ));
        self.centered(PAGE_W / 2.0, PAGE_H / 2.0 + 60.0, 170.0, "見本")?;
        self.surface.pop();
        self.surface.set_fill(Some(Fill::default()));
        Ok(())
    }

    /// A PNG image, `side` points square, its top left at (x, y).
    fn image(&mut self, x: f32, y: f32, side: f32, png: &[u8]) -> Result<(), CertError> {
        let image = krilla::image::Image::from_png(png.to_vec().into(), true)
            .map_err(|e| CertError::Pdf(format!("seal image: {e}")))?;
        let size = krilla::geom::Size::from_wh(side, side)
            .ok_or_else(|| CertError::Pdf("seal size".into()))?;
        self.surface
            .push_transform(&Transform::from_translate(x, y));
        self.surface.draw_image(image, size);
        self.surface.pop();
        Ok(())
    }

    /// The placeholder seal of a municipality that has registered none: a square with
    /// the office's name.
    fn seal(&mut self, x: f32, y: f32, municipality: &str) -> Result<(), CertError> {
        let size = 58.0;
        let mut pb = PathBuilder::new();
        if let (Some(outer), Some(inner)) = (
            Rect::from_xywh(x, y, size, size),
            Rect::from_xywh(x + 3.0, y + 3.0, size - 6.0, size - 6.0),
        ) {
            pb.push_rect(outer);
            pb.push_rect(inner);
        }
        if let Some(path) = pb.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width: 1.6,
                paint: rgb::Color::new(200, 30, 30).into(),
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
        }
        self.surface.set_fill(Some(red(0.85)));
        let text: Vec<char> = format!("{municipality}長之印").chars().collect();
        let per_line = text.len().div_ceil(2).max(1);
        let lines: Vec<String> = text.chunks(per_line).map(|c| c.iter().collect()).collect();
        let fs = ((size - 12.0) / per_line as f32).min(16.0);
        for (i, l) in lines.iter().enumerate() {
            self.centered(
                x + size / 2.0,
                y + size / 2.0 - 2.0 + (i as f32) * (fs + 4.0),
                fs,
                l,
            )?;
        }
        self.surface.set_fill(Some(Fill::default()));
        Ok(())
    }
}

/// How fields are laid out in rows: a wide field alone, the others two to a row (an odd
/// one alone), in order. Indices into `fields`.
fn rows_of(fields: &[Field]) -> Vec<Vec<usize>> {
    let mut rows = vec![];
    let mut pending: Option<usize> = None;
    for (i, f) in fields.iter().enumerate() {
        if f.wide {
            if let Some(p) = pending.take() {
                rows.push(vec![p]);
            }
            rows.push(vec![i]);
        } else if let Some(p) = pending.take() {
            rows.push(vec![p, i]);
        } else {
            pending = Some(i);
        }
    }
    if let Some(p) = pending {
        rows.push(vec![p]);
    }
    rows
}

/// The smallest size a value is shrunk to (points); below it, it overflows (5.8).
const MIN_TEXT: f32 = 5.0;

/// The width a value has in its cell, in a row of `cells` cells `w` wide ([`Pen::row`]).
fn value_width(w: f32, cells: usize) -> f32 {
    w / cells as f32 - LABEL_W - 6.0
}

/// 文字溢れ (5.8): finds the values of `content` too long for their box even at the
/// smallest size, prints each as far as it fits or blank (`mode`), and lists them in
/// `content.overflow` (the 文字超過リスト). A value shrinks to fit before that.
pub fn fit(
    font: &CertFont,
    content: &mut CertificateContent,
    mode: kikan_domain::certificate::OverflowMode,
) -> Result<(), CertError> {
    let face = font.face()?;
    let w = RIGHT - LEFT;
    let mut found = vec![];
    let mut fit_all = |fields: &mut [Field], w: f32| -> Result<(), CertError> {
        for row in rows_of(fields) {
            let max = value_width(w, row.len());
            for i in row {
                let f = &mut fields[i];
                if f.value.is_empty() || shape(&face, &f.value)?.width * MIN_TEXT <= max {
                    continue;
                }
                let printed = match mode {
                    kikan_domain::certificate::OverflowMode::Blank => String::new(),
                    kikan_domain::certificate::OverflowMode::Limit => {
                        longest_prefix(&face, &f.value, max / MIN_TEXT)?
                    }
                };
                found.push(kikan_domain::certificate::Overflow {
                    label: f.label.clone(),
                    value: std::mem::replace(&mut f.value, printed.clone()),
                    printed,
                });
            }
        }
        Ok(())
    };
    fit_all(&mut content.header, w)?;
    for e in content.entries.iter_mut().chain(&mut content.annex) {
        fit_all(&mut e.fields, w - NUMBER_W)?;
    }
    content.overflow.extend(found);
    Ok(())
}

/// The longest start of `text` (whole characters, a variation selector kept with its
/// base) no wider than `max` at size 1.
fn longest_prefix(face: &rustybuzz::Face<'_>, text: &str, max: f32) -> Result<String, CertError> {
    let ends: Vec<usize> = text
        .char_indices()
        .skip(1)
        .filter(|(_, c)| !is_selector(*c))
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let (mut lo, mut hi) = (0usize, ends.len());
    // The first `lo` cuts fit; find the most.
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if shape(face, &text[..ends[mid - 1]])?.width <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(if lo == 0 {
        String::new()
    } else {
        text[..ends[lo - 1]].to_string()
    })
}

/// Draws `content` as an A4 PDF.
pub fn render(
    font: &CertFont,
    content: &CertificateContent,
    stamp: &Stamp,
) -> Result<Rendered, CertError> {
    render_copies(font, content, std::slice::from_ref(stamp))
}

/// A person's rows on one page: all of them, or a part when they run over a page.
struct Block<'c> {
    /// The person's number on the certificate (1, 2 …).
    number: usize,
    rows: Vec<Vec<&'c Field>>,
}

/// One page: the persons' blocks (or, on a 別紙, their 通称の記載及び削除に関する事項).
struct Sheet<'c> {
    annex: bool,
    blocks: Vec<Block<'c>>,
}

/// Closes `sheet` and starts the next page of the same kind.
fn next_page<'c>(sheets: &mut Vec<Sheet<'c>>, sheet: &mut Sheet<'c>) {
    let annex = sheet.annex;
    sheets.push(std::mem::replace(
        sheet,
        Sheet {
            annex,
            blocks: vec![],
        },
    ));
}

/// Where the entries start on a page, below the title, the number lines and the header.
fn body_top(content: &CertificateContent, annex: bool) -> f32 {
    if annex || content.header.is_empty() {
        112.0
    } else {
        112.0 + rows_of(&content.header).len() as f32 * ROW + 6.0
    }
}

/// How far the entries may reach: above the closing lines on a page that continues, above
/// the 認証文 on the last.
const BODY_END: f32 = PAGE_H - 96.0;
const LAST_BODY_END: f32 = FOOTER_TOP - 18.0;
/// The gap below each person's box.
const GAP: f32 = 5.0;

/// Lays the persons out on pages (5.1, 様式): at most `layout.per_page()` a page, each
/// page filled no further than its end, a person too long for one page (a long 異動履歴)
/// carried on to the next, and the last page leaving room for the 認証文; then the 別紙,
/// when there is one, on pages of its own.
fn paginate(content: &CertificateContent) -> Vec<Sheet<'_>> {
    let mut sheets: Vec<Sheet<'_>> = vec![];
    for (annex, entries) in [(false, &content.entries), (true, &content.annex)] {
        if annex && entries.is_empty() {
            continue;
        }
        let top = body_top(content, annex);
        let per_page = if annex { 4 } else { content.layout.per_page() };
        let mut sheet = Sheet {
            annex,
            blocks: vec![],
        };
        let (mut y, mut persons) = (top, 0);
        for e in entries.iter() {
            // A 別紙 numbers each person as the certificate does.
            let number = content
                .entries
                .iter()
                .position(|m| m.person_id == e.person_id)
                .unwrap_or(0)
                + 1;
            let mut rows: Vec<Vec<&Field>> = rows_of(&e.fields)
                .into_iter()
                .map(|r| r.into_iter().map(|i| &e.fields[i]).collect())
                .collect();
            if persons == per_page {
                next_page(&mut sheets, &mut sheet);
                (y, persons) = (top, 0);
            }
            persons += 1;
            loop {
                let room = ((BODY_END - y - GAP) / ROW).floor().max(0.0) as usize;
                // Start a person on a new page rather than leave one row behind.
                if room == 0 || (room < 2 && rows.len() > 1) {
                    next_page(&mut sheets, &mut sheet);
                    (y, persons) = (top, 1);
                    continue;
                }
                let rest = rows.split_off(room.min(rows.len()));
                y += rows.len() as f32 * ROW + GAP;
                sheet.blocks.push(Block { number, rows });
                if rest.is_empty() {
                    break;
                }
                rows = rest;
                next_page(&mut sheets, &mut sheet);
                (y, persons) = (top, 1);
            }
        }
        sheets.push(sheet);
    }
    // The last page holds the 認証文: what reaches into it goes on to one more page.
    if let Some(last) = sheets.last_mut() {
        let top = body_top(content, last.annex);
        let mut y = top;
        let mut moved: Vec<Block<'_>> = vec![];
        for block in std::mem::take(&mut last.blocks) {
            let room = ((LAST_BODY_END - y - GAP) / ROW).floor().max(0.0) as usize;
            if !moved.is_empty() || room < block.rows.len().min(2) {
                moved.push(block);
            } else if room >= block.rows.len() {
                y += block.rows.len() as f32 * ROW + GAP;
                last.blocks.push(block);
            } else {
                let Block { number, mut rows } = block;
                let rest = rows.split_off(room);
                y += rows.len() as f32 * ROW + GAP;
                last.blocks.push(Block { number, rows });
                moved.push(Block { number, rows: rest });
            }
        }
        if !moved.is_empty() {
            let annex = last.annex;
            sheets.push(Sheet {
                annex,
                blocks: moved,
            });
        }
    }
    sheets
}

/// Draws `content` once per stamp, one copy after the other, as one A4 PDF: each copy
/// carries its own 交付番号, 照合番号 and 発行番号 (5.5). `pages` counts every page.
/// The 認証文 is printed on the last page only, the 別紙's when there is one (5.1).
pub fn render_copies(
    font: &CertFont,
    content: &CertificateContent,
    stamps: &[Stamp],
) -> Result<Rendered, CertError> {
    // Every string is checked as it is shaped (`shape`): a missing glyph stops the
    // drawing with an error naming the text, and the half-drawn document is dropped.
    let face = font.face()?;
    let sheets = paginate(content);
    let pages = sheets.len() as u32;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!("{}（{}）", content.title, content.municipality))
            .language("ja".into()),
    );
    for stamp in stamps {
        let serial_text = if stamp.preview {
            "交付番号 ―（見本）".to_string()
        } else {
            format!("交付番号 第{:06}号", stamp.serial)
        };
        for (page_no, sheet) in sheets.iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| CertError::Pdf("page size".into()))?;
            let mut page = doc.start_page_with(settings);
            {
                let mut pen = Pen {
                    surface: page.surface(),
                    face: &face,
                    font: font.font.clone(),
                };
                pen.background();
                // Title and the line under it; 「公用」 (5.7) boxed at the top left. A
                // 別紙 says whose it is.
                if sheet.annex {
                    pen.centered(PAGE_W / 2.0, 66.0, 16.0, "別紙")?;
                    pen.centered(
                        PAGE_W / 2.0,
                        88.0,
                        12.0,
                        &format!("{}　通称の記載及び削除に関する事項", content.title),
                    )?;
                } else {
                    pen.centered(PAGE_W / 2.0, 74.0, 22.0, &content.title)?;
                }
                if content.official {
                    pen.rect(LEFT, 54.0, 48.0, 26.0, 1.2);
                    pen.centered(LEFT + 24.0, 73.0, 15.0, "公用")?;
                }
                pen.text(LEFT, 104.0, 9.0, &serial_text, None)?;
                pen.right(RIGHT, 104.0, 9.0, &format!("{}／{}頁", page_no + 1, pages))?;
                let mut y = 112.0;
                let w = RIGHT - LEFT;
                if !sheet.annex && !content.header.is_empty() {
                    y = pen.fields(LEFT, y, w, &content.header)?;
                    y += 6.0;
                }
                for block in &sheet.blocks {
                    let top = y;
                    for cells in &block.rows {
                        pen.row(LEFT + NUMBER_W, y, w - NUMBER_W, cells)?;
                        y += ROW;
                    }
                    pen.rect(LEFT, top, NUMBER_W, y - top, 0.5);
                    pen.centered(
                        LEFT + NUMBER_W / 2.0,
                        (top + y) / 2.0 + 4.0,
                        10.0,
                        &block.number.to_string(),
                    )?;
                    pen.rect(LEFT, top, w, y - top, 1.2);
                    y += GAP;
                }
                let last = page_no + 1 == sheets.len();
                if last {
                    if !content.omitted.is_empty() {
                        let names: Vec<&str> = content.omitted.iter().map(|i| i.label()).collect();
                        pen.text(
                            LEFT,
                            y + 10.0,
                            8.0,
                            &format!("（省略した事項：{}）", names.join("、")),
                            Some(w),
                        )?;
                    }
                    let ending = "以下余白";
                    pen.right(RIGHT, y + 10.0, 8.0, ending)?;
                    // 認証文, date, mayor and seal.
                    let fy = FOOTER_TOP;
                    pen.text(LEFT, fy + 20.0, 11.5, &content.certification, Some(w))?;
                    pen.text(LEFT + 20.0, fy + 50.0, 11.0, &content.issued_on_text, None)?;
                    pen.right(RIGHT - 70.0, fy + 88.0, 14.0, &content.mayor)?;
                    // A preview carries no seal: it certifies nothing.
                    if !stamp.preview {
                        match (content.seal, stamp.seal) {
                            (SealPrint::Image(_), Some(seal)) => {
                                let side = seal.size_mm * MM;
                                pen.image(
                                    RIGHT - 4.0 - side,
                                    fy + 87.0 - side * 0.8,
                                    side,
                                    &seal.png,
                                )?;
                            }
                            (SealPrint::Omitted, _) => {}
                            _ => pen.seal(RIGHT - 62.0, fy + 58.0, &content.municipality)?,
                        }
                    }
                    // The fixed phrase (「公印省略」…), under the 認証者.
                    if let Some(phrase) = &content.phrase {
                        pen.right(RIGHT - 70.0, fy + 108.0, 9.0, phrase)?;
                    }
                } else {
                    pen.right(RIGHT, y + 10.0, 8.0, "次頁に続く")?;
                }
                // Every page: the notice that a copy of the paper is not the original, and the
                // code that lets the municipality confirm the issue.
                let by = PAGE_H - 70.0;
                pen.line(LEFT, by, RIGHT, by, 0.5);
                pen.text(
            LEFT,
            by + 14.0,
            8.0,
            "この証明書を複写したものは原本ではありません。交付の事実と内容は照合番号により発行元で確認できます。",
            Some(w),
        )?;
                let code = if stamp.preview {
                    "照合番号 ―（見本のため交付されていません）".to_string()
                } else {
                    format!("照合番号 {}", format_code(&stamp.code))
                };
                pen.text(LEFT, by + 30.0, 9.0, &code, None)?;
                pen.right(
                    RIGHT,
                    by + 30.0,
                    9.0,
                    &stamp.issue_number(content, page_no as u32 + 1, pages),
                )?;
                if stamp.preview {
                    pen.preview_mark()?;
                }
                pen.surface.finish();
            }
            page.finish();
        }
    }
    let pdf = doc.finish().map_err(|e| CertError::Pdf(format!("{e:?}")))?;
    Ok(Rendered {
        pdf,
        pages: pages * stamps.len().max(1) as u32,
    })
}
