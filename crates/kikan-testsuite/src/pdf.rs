//! Reading a PDF back as a person would: its text by `pdftotext` (poppler-utils, which
//! `.ci/run` installs). A missing tool fails the test: it is part of what is checked.

use std::process::Command;

/// The text of a PDF in drawing order (`pdftotext -raw`). With `KIKAN_CERT_SAMPLES=DIR`
/// the PDF is also kept as `DIR/{name}.pdf` (docs/certificates/ is made from them).
pub fn text(pdf: &[u8], name: &str) -> String {
    if let Some(dir) = std::env::var_os("KIKAN_CERT_SAMPLES") {
        let path = std::path::Path::new(&dir).join(format!("{name}.pdf"));
        std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    extract(pdf, name, &[])
}

/// The text of one page (1, 2 …) of a PDF, as [`text`] reads it.
pub fn page_text(pdf: &[u8], page: u32, name: &str) -> String {
    let page = page.to_string();
    extract(pdf, name, &["-f", &page, "-l", &page])
}

fn extract(pdf: &[u8], name: &str, pages: &[&str]) -> String {
    let dir = tempdir(name);
    let path = dir.join("c.pdf");
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-raw"])
        .args(pages)
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils; .ci/run installs it): {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "pdftotext failed on {name}");
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("pdftotext gave no UTF-8: {e}"))
}

/// What `pdffonts` lists for a PDF (font name, type, embedded, subset, unicode map).
pub fn fonts(pdf: &[u8]) -> String {
    let dir = tempdir("fonts");
    let path = dir.join("c.pdf");
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let out = Command::new("pdffonts")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("pdffonts (poppler-utils): {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The images a PDF embeds, as `pdfimages -list` lists them (one line each after its
/// two header lines: page, number, type, width, height, colour …).
pub fn images(pdf: &[u8]) -> Vec<String> {
    let dir = tempdir("images");
    let path = dir.join("c.pdf");
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("pdfimages (poppler-utils): {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .map(str::to_string)
        .collect()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kikan-pdf-{}-{name}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// The text without the spaces and line breaks pdftotext puts between drawn runs.
pub fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}
