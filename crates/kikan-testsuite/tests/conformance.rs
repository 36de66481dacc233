//! The conformance matrix (docs/standard/conformance.md) against the standard and the code:
//! one row per section of 住民記録システム標準仕様書 第3章, a status and an item count that
//! agree, every named test present, and README's 標準準拠 sentence stating the share the
//! table measures.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every section of chapter 3, as the standard numbers it (doc/index.md of
/// AkihiraYOSHIMOTO/jyuki-stnd; 143 section files).
const SECTIONS: &[&str] = &[
    "1.1.1",
    "1.1.2",
    "1.1.3",
    "1.1.4",
    "1.1.5",
    "1.1.6",
    "1.1.7",
    "1.1.8",
    "1.1.9",
    "1.1.10",
    "1.1.11",
    "1.1.12",
    "1.1.13",
    "1.1.14",
    "1.1.15",
    "1.1.16",
    "1.1.17",
    "1.1.18",
    "1.1.19",
    "1.2.1",
    "1.2.2",
    "1.3.1",
    "1.3.2",
    "1.3.3",
    "1.3.4",
    "1.3.5",
    "1.3.6",
    "1.3.7",
    "1.3.8",
    "1.3.9",
    "2.1.1",
    "2.1.2",
    "2.1.3",
    "2.2.1",
    "2.2.2",
    "2.2.3",
    "2.2.4",
    "2.3.1",
    "2.3.2",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "3.5",
    "4.0.1",
    "4.0.2",
    "4.0.3",
    "4.0.4",
    "4.0.5",
    "4.0.6",
    "4.0.7",
    "4.0.8",
    "4.0.9",
    "4.0.10",
    "4.1.0.1",
    "4.1.0.2",
    "4.1.0.3",
    "4.1.1.1",
    "4.1.1.2",
    "4.1.1.3",
    "4.1.1.4",
    "4.1.2.1",
    "4.1.3.0.1",
    "4.1.3.0.2",
    "4.1.3.0.3",
    "4.1.3.0.4",
    "4.1.3.1.1",
    "4.1.3.1.2",
    "4.1.3.1.3",
    "4.1.3.1.4",
    "4.1.4.1",
    "4.1.4.2",
    "4.1.4.3",
    "4.2.0.1",
    "4.2.0.2",
    "4.2.0.3",
    "4.2.0.4",
    "4.2.0.5",
    "4.2.1.1",
    "4.2.1.2",
    "4.2.2.1",
    "4.2.2.2",
    "4.2.3.1",
    "4.2.3.2",
    "4.2.3.3",
    "4.3.1",
    "4.3.2",
    "4.3.3",
    "4.4",
    "4.5.1",
    "4.5.2",
    "4.5.3",
    "4.5.4",
    "4.5.5",
    "4.5.6",
    "4.5.7",
    "4.6.0.1",
    "4.6.1.1",
    "5.1",
    "5.2",
    "5.3",
    "5.4",
    "5.5",
    "5.6",
    "5.7",
    "5.8",
    "6.1",
    "7.1.1.1",
    "7.1.1.2",
    "7.1.1.3",
    "7.1.1.4",
    "7.1.2.1",
    "7.1.2.2",
    "7.1.2.3",
    "7.1.2.4",
    "7.2.1",
    "7.2.2",
    "7.2.3",
    "7.2.4",
    "7.2.5",
    "8.1.1",
    "8.1.2",
    "8.1.3",
    "8.2.1",
    "8.2.2",
    "8.2.3",
    "9.1",
    "9.2",
    "9.3",
    "9.4",
    "9.5",
    "9.6",
    "9.7",
    "9.8",
    "10.1",
    "10.2",
    "10.3",
    "10.4",
    "10.5",
    "10.6",
    "10.7",
    "10.8",
    "11.1",
];

struct Row {
    section: String,
    status: String,
    done: u32,
    total: u32,
    missing: String,
    tests: Vec<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows() -> Vec<Row> {
    let text = read(&root().join("docs/standard/conformance.md"));
    text.lines()
        .filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert!(cells.len() >= 5, "a row needs five columns: {line}");
            let (done, total) = cells[2]
                .split_once('/')
                .and_then(|(d, t)| Some((d.parse().ok()?, t.parse().ok()?)))
                .unwrap_or_else(|| panic!("items are done/total: {line}"));
            Row {
                section: cells[0].to_string(),
                status: cells[1].to_string(),
                done,
                total,
                missing: cells[3].to_string(),
                tests: cells[4]
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect(),
            }
        })
        .collect()
}

/// Does the test a row names exist? `path::function` is a Rust test (or a story, which
/// must also be run by tests/stories.rs); `path#text` is a step of the browser test.
fn test_exists(reference: &str) -> Result<(), String> {
    if let Some((path, text)) = reference.split_once('#') {
        let body =
            std::fs::read_to_string(root().join(path)).map_err(|e| format!("{path}: {e}"))?;
        return body
            .contains(text)
            .then_some(())
            .ok_or(format!("{path} has no step with {text:?}"));
    }
    let (path, name) = reference
        .rsplit_once("::")
        .ok_or(format!("{reference}: neither path::function nor path#text"))?;
    let body = std::fs::read_to_string(root().join(path)).map_err(|e| format!("{path}: {e}"))?;
    let defined = body
        .match_indices(&format!("fn {name}"))
        .any(|(i, m)| !body[i + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'));
    if !defined {
        return Err(format!("{path} defines no fn {name}"));
    }
    if let Some(file) = path.strip_prefix("crates/kikan-testsuite/tests/") {
        let module = file.trim_end_matches(".rs");
        if !suite_modules().iter().any(|m| m == module) {
            return Err(format!(
                "{path} is not a module of tests/suite.rs, so it never runs"
            ));
        }
    }
    if path.ends_with("src/stories.rs") {
        let runner = read(&root().join("crates/kikan-testsuite/tests/stories.rs"));
        if !runner.contains(&format!("    {name},")) {
            return Err(format!("the story {name} is not run by tests/stories.rs"));
        }
    }
    Ok(())
}

#[test]
fn every_section_has_one_row_in_the_standards_order() {
    let rows = rows();
    let found: Vec<&str> = rows.iter().map(|r| r.section.as_str()).collect();
    assert_eq!(
        found, SECTIONS,
        "one row per section, in the standard's order"
    );
    assert_eq!(
        SECTIONS.iter().collect::<BTreeSet<_>>().len(),
        143,
        "chapter 3 has 143 sections"
    );
}

#[test]
fn status_items_and_tests_agree() {
    for r in rows() {
        let s = &r.section;
        assert!(r.done <= r.total, "{s}: more items done than there are");
        match r.status.as_str() {
            "done" => {
                assert!(
                    r.total > 0 && r.done == r.total,
                    "{s}: done means every item"
                );
                assert!(r.missing.is_empty(), "{s}: done but items named missing");
            }
            "partial" => {
                assert!(r.done < r.total, "{s}: partial means some item is not done");
                assert!(
                    !r.missing.is_empty(),
                    "{s}: partial must name what is missing"
                );
            }
            "missing" => {
                assert!(r.total > 0 && r.done == 0, "{s}: missing means none done");
                assert!(!r.missing.is_empty(), "{s}: name what is missing");
            }
            "n/a" => assert!(
                r.total == 0,
                "{s}: n/a is for sections without mandatory items"
            ),
            other => panic!("{s}: unknown status {other}"),
        }
        if r.done > 0 {
            assert!(
                !r.tests.is_empty(),
                "{s}: items done must name the tests that show them"
            );
        }
        for t in &r.tests {
            if let Err(e) = test_exists(t) {
                panic!("{s}: {e}");
            }
        }
    }
}

/// The modules tests/suite.rs declares: the test files that are compiled and run.
fn suite_modules() -> Vec<String> {
    read(&root().join("crates/kikan-testsuite/tests/suite.rs"))
        .lines()
        .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
        .map(String::from)
        .collect()
}

/// The test files share one binary (autotests are off), so a file tests/suite.rs does not
/// name would never be compiled: every file must be named there.
#[test]
fn every_test_file_is_part_of_the_suite() {
    let modules = suite_modules();
    let dir = root().join("crates/kikan-testsuite/tests");
    for entry in std::fs::read_dir(&dir).expect("the tests folder") {
        let path = entry.expect("a test file").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && stem != "suite" {
            assert!(
                modules.iter().any(|m| m == stem),
                "tests/{stem}.rs is not declared in tests/suite.rs, so it never runs"
            );
        }
    }
}

#[test]
fn a_test_that_does_not_exist_is_caught() {
    assert!(test_exists("crates/kikan-testsuite/src/stories.rs::relocation").is_ok());
    assert!(test_exists("crates/kikan-testsuite/src/stories.rs::relocatio").is_err());
    assert!(test_exists("crates/kikan-testsuite/src/stories.rs::home").is_err());
    assert!(test_exists("crates/kikan-testsuite/tests/nothing.rs::relocation").is_err());
    assert!(test_exists("tests/ui/run.mjs#転居").is_ok());
    assert!(test_exists("tests/ui/run.mjs#存在しない手順").is_err());
}

/// The measured share, as README states it: "N of M mandatory items (P %)", over the
/// whole chapter and over chapter 4 (異動).
#[test]
fn readme_states_the_measured_share() {
    let rows = rows();
    let sum = |pick: &dyn Fn(&Row) -> bool| {
        rows.iter()
            .filter(|r| pick(r))
            .fold((0, 0), |(d, t), r| (d + r.done, t + r.total))
    };
    let (done, total) = sum(&|_| true);
    let (done4, total4) = sum(&|r| r.section.starts_with("4."));
    let readme = read(&root().join("README.md"));
    let all = format!(
        "{done} of {total} mandatory items ({} %)",
        done * 100 / total
    );
    let ch4 = format!("{done4} of {total4} ({} %)", done4 * 100 / total4);
    assert!(readme.contains(&all), "README must state {all:?}");
    assert!(
        readme.contains(&ch4),
        "README must state chapter 4 as {ch4:?}"
    );
}

/// ヘルプ (10.5): every screen of the staff UI's router has its on-screen help, and no
/// help stands for a screen that is not there.
#[test]
fn every_screen_has_its_help() {
    let app = read(&root().join("crates/kikan-server/ui/app.js"));
    let keys = |start: &str, marker: &str| -> BTreeSet<String> {
        let from = app
            .find(start)
            .unwrap_or_else(|| panic!("{start} in app.js"));
        let body = &app[from + start.len()..];
        let body = &body[..body
            .find("\n  };")
            .or_else(|| body.find("\n};"))
            .unwrap_or(body.len())];
        body.lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let (k, rest) = l.split_once(':')?;
                rest.trim_start()
                    .starts_with(marker)
                    .then(|| k.trim_matches('\'').to_string())
            })
            .collect()
    };
    let screens = keys("const screens = {", "() =>");
    let help = keys("const HELP = {", "{ title");
    assert!(screens.len() > 30, "{screens:?}");
    assert_eq!(screens, help, "the router's screens and the help entries");
}
