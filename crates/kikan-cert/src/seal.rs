//! 電子公印 (5.6): a seal image as registered is turned into what prints — its dark parts
//! in the seal's one colour (black; red only for a card's seal), the light background
//! transparent — and checked to be a PNG a certificate can embed.

use kikan_domain::DomainError;
use std::io::Cursor;

/// The largest image accepted, in pixels per side (25 mm at 1200 dpi is 1181).
pub const MAX_PIXELS: u32 = 2400;

fn refused(reason: impl Into<String>) -> DomainError {
    DomainError::SealImage {
        reason: reason.into(),
    }
}

/// Reads a PNG and returns it in one colour: each pixel's darkness becomes its opacity,
/// in black (or red). Refuses what is not a PNG, an empty or oversized image, or one with
/// nothing dark on it.
pub fn one_colour(png: &[u8], red: bool) -> Result<Vec<u8>, DomainError> {
    let mut decoder = png::Decoder::new(Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| refused(format!("PNG画像として読めません({e})")))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| refused("画像が大きすぎます"))?;
    let (w, h) = {
        let info = reader.info();
        (info.width, info.height)
    };
    if w == 0 || h == 0 || w > MAX_PIXELS || h > MAX_PIXELS {
        return Err(refused(format!(
            "画像の大きさは1辺{MAX_PIXELS}画素までです({w}×{h})"
        )));
    }
    let mut buf = vec![0; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| refused(format!("PNG画像として読めません({e})")))?;
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(refused("パレット形式の画像は読めません")),
    };
    let colour: [u8; 3] = if red { [200, 30, 30] } else { [0, 0, 0] };
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    let mut inked = false;
    for px in buf[..info.line_size * h as usize]
        .chunks(info.line_size)
        .flat_map(|line| line[..w as usize * channels].chunks(channels))
    {
        let (lum, alpha) = match channels {
            1 => (u32::from(px[0]), 255),
            2 => (u32::from(px[0]), u32::from(px[1])),
            _ => (
                (299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2])) / 1000,
                if channels == 4 { u32::from(px[3]) } else { 255 },
            ),
        };
        let a = ((255 - lum) * alpha / 255) as u8;
        inked |= a > 127;
        out.extend_from_slice(&[colour[0], colour[1], colour[2], a]);
    }
    if !inked {
        return Err(refused("印影(濃い部分)がありません"));
    }
    let mut png_out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| refused(format!("画像を変換できません({e})")))?;
        writer
            .write_image_data(&out)
            .map_err(|e| refused(format!("画像を変換できません({e})")))?;
    }
    Ok(png_out)
}

/// A test seal: a dark square frame with a cross, `n` pixels a side, on white (RGB).
pub fn sample_png(n: u32) -> Vec<u8> {
    let mut data = Vec::with_capacity((n * n * 3) as usize);
    for y in 0..n {
        for x in 0..n {
            let edge = x < n / 10 || y < n / 10 || x >= n - n / 10 || y >= n - n / 10;
            let cross = x.abs_diff(y) < n / 20 || (x + y).abs_diff(n) < n / 20;
            let v = if edge || cross { 20 } else { 250 };
            data.extend_from_slice(&[v, v, v]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, n, n);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Ok(mut w) = enc.write_header() {
            let _ = w.write_image_data(&data);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_becomes_one_colour_or_is_refused() {
        let black = one_colour(&sample_png(120), false);
        let Ok(black) = black else {
            panic!("{black:?}")
        };
        // Decoded again: every pixel black, the frame opaque, the background clear.
        let mut d = png::Decoder::new(Cursor::new(&black[..]));
        d.set_transformations(png::Transformations::normalize_to_color8());
        let mut r = d.read_info().unwrap_or_else(|e| panic!("{e}"));
        let mut buf = vec![0; r.output_buffer_size().unwrap_or(0)];
        let info = r.next_frame(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.color_type, png::ColorType::Rgba);
        assert!(buf.chunks(4).all(|p| p[..3] == [0, 0, 0]));
        assert!(buf[3] > 200, "the corner is the frame");
        let centre_ish = ((30 * 120 + 60) * 4 + 3) as usize;
        assert!(buf[centre_ish] < 20, "the background is clear");
        for (bytes, why) in [(b"not a png".to_vec(), "PNG"), (blank(), "印影")] {
            match one_colour(&bytes, false) {
                Err(DomainError::SealImage { reason }) => assert!(reason.contains(why), "{reason}"),
                other => panic!("{other:?}"),
            }
        }
    }

    fn blank() -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, 8, 8);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            if let Ok(mut w) = enc.write_header() {
                let _ = w.write_image_data(&[255; 64]);
            }
        }
        out
    }
}
