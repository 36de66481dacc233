//! Criterion benches of the domain's hot functions: search keys, date parsing, and
//! applying a 転入 and a 転居 to a registry slice.

use chrono::{NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kikan_domain::names::{kana_key, kanji_key};
use kikan_domain::wareki::{format_wareki, parse_date};
use kikan_domain::*;
use std::hint::black_box;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn family(hid: HouseholdId) -> Option<LedgerEntry> {
    let person = |id: i64, given: &str, rel: Relationship| -> Option<PersonData> {
        Some(PersonData {
            with_birth: false,
            foreign_resident_since_text: None,
            id: PersonId(id),
            juminhyo_code: JuminhyoCode::from_body("1234567890").ok(),
            individual_number: IndividualNumber::from_body("12345678901").ok(),
            name: PersonName::parse("髙橋", given).ok()?,
            furigana: Furigana::parse("タカハシ", "タロウ").ok()?,
            birth_date: day(1980, 4, 1),
            birth_date_text: None,
            sex: Sex::Male,
            relationship: rel,
            honseki: Honseki::parse("神奈川県横浜市中区本町一丁目1番地", "髙橋　太郎").ok(),
            foreign: None,
            returning: false,
            keep_former_names: false,
            foreign_resident_since: None,
            former_surname: None,
        })
    };
    let address = Address::parse(
        Some("2310005"),
        "神奈川県横浜市中区本町一丁目",
        "1番地2",
        Some("ハイツ101"),
    )
    .ok()?;
    let change = Change::MoveIn {
        kind: MoveInKind::Domestic,
        household: MoveInHousehold::New { id: hid },
        persons: vec![
            person(1, "太郎", Relationship::Head)?,
            person(2, "花子", Relationship::Wife)?,
            person(3, "一郎", Relationship::Child)?,
            person(4, "さくら", Relationship::Child)?,
        ],
        address: address.clone(),
        previous_address: Some(address),
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    LedgerEntry::at_intake(
        change,
        day(2026, 4, 1),
        day(2026, 4, 3),
        Utc::now(),
        "bench".into(),
        None,
        day(2026, 10, 1),
    )
    .ok()
}

fn benches(c: &mut Criterion) {
    c.bench_function("kana_key", |b| {
        b.iter(|| kana_key(black_box("ﾀｶﾊｼ たろう")))
    });
    c.bench_function("kanji_key (variants, IVS)", |b| {
        b.iter(|| kanji_key(black_box("髙橋　葛\u{E0102}西 﨑")))
    });
    c.bench_function("parse_date (和暦)", |b| {
        b.iter(|| parse_date(black_box("令和8年4月1日")))
    });
    c.bench_function("format_wareki", |b| {
        b.iter(|| format_wareki(black_box(day(2026, 4, 1))))
    });
    let hid = HouseholdId(1);
    let Some(move_in) = family(hid) else { return };
    c.bench_function("apply 転入 (family of four)", |b| {
        b.iter(|| {
            let mut reg = Registry::new();
            black_box(reg.apply(black_box(&move_in)))
        })
    });
    let mut base = Registry::new();
    if base.apply(&move_in).is_err() {
        return;
    }
    let Ok(to) = Address::parse(None, "神奈川県横浜市中区山下町", "3番地", None)
    else {
        return;
    };
    let relocation = LedgerEntry::at_intake(
        Change::Relocation {
            ward_move: None,
            persons: vec![PersonId(1), PersonId(2), PersonId(3), PersonId(4)],
            address: to,
            target: RelocationTarget::WholeHousehold,
        },
        day(2026, 5, 1),
        day(2026, 5, 1),
        Utc::now(),
        "bench".into(),
        None,
        day(2026, 10, 1),
    );
    let Ok(relocation) = relocation else { return };
    c.bench_function("apply 転居 (household of four)", |b| {
        b.iter(|| {
            let mut reg = base.clone();
            black_box(reg.apply(black_box(&relocation)))
        })
    });
}

criterion_group!(hot, benches);
criterion_main!(hot);
