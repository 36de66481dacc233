//! 移行 on both engines: a vendor's residents (日本人住民 and 外国人住民) in Shift_JIS, a 外字 in the private-use
//! area mapped to its MJ character, become households with their 住民となった年月日 and
//! 住所を定めた年月日; the replay check passes. A file with bad rows lists each (line and
//! column) and imports nothing; a municipality that already holds entries is refused.

use chrono::NaiveDate;
use kikan_app::Actor;
use kikan_app::migration::{self, GaijiMap, MigrationError};
use kikan_domain::{LocalGovCode, PersonId};
use kikan_store::Tenant;
use kikan_testsuite::TestStore;

const HEAD: &str = "世帯番号,宛名番号,氏,名,氏フリガナ,名フリガナ,生年月日,性別,続柄,住民となった年月日,住所を定めた年月日,住所,番地,方書,本籍,筆頭者,住民票コード,個人番号,国籍・地域,法第30条の45に規定する区分,在留資格,在留期間,在留期間の満了の日,在留カード等の番号\n";

/// The file in Shift_JIS (CP932), its 外字 U+E000… in the user-defined area (F040…),
/// as a vendor's system writes them.
fn file(rows: &str) -> Vec<u8> {
    let text = format!("{HEAD}{rows}");
    let mut out = Vec::new();
    let mut chunk = String::new();
    let flush = |chunk: &mut String, out: &mut Vec<u8>| {
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(chunk);
        assert!(!unmappable, "the test file encodes");
        out.extend_from_slice(&bytes);
        chunk.clear();
    };
    for c in text.chars() {
        if ('\u{E000}'..='\u{E0BB}').contains(&c) {
            flush(&mut chunk, &mut out);
            let n = u32::from(c) - 0xE000;
            let trail = 0x40 + n as u8;
            out.extend_from_slice(&[0xF0, if trail >= 0x7F { trail + 1 } else { trail }]);
        } else {
            chunk.push(c);
        }
    }
    flush(&mut chunk, &mut out);
    out
}

/// みほん市, empty: the municipality a vendor's file moves into.
async fn tenant(store: &dyn kikan_store::Store) -> LocalGovCode {
    let t = LocalGovCode::parse("149993").expect("code");
    store
        .add_tenant(&Tenant {
            code: t,
            name: "みほん市".into(),
            mayor: "みほん市長　見本　一郎".into(),
        })
        .await
        .expect("tenant");
    t
}

async fn vendor_residents_move_in(s: TestStore) {
    let store = s.store();
    let t = tenant(&*store).await;
    let gaiji = GaijiMap::read("外字,文字\nU+E000,𠮷\n".as_bytes()).expect("gaiji");
    let cut_over = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let actor = Actor::command_line(t, Some("移行"));

    // Bad rows: each listed, nothing imported.
    let bad = file(
        "A1,9001,\u{E000}田,太郎,ヨシダ,タロウ,昭和50年2月30日,男,世帯主,2001-04-01,,みほん県みほん市中央一丁目,1番1号,,,,,,,,,,,\n\
         A2,9002,\u{E001}川,花子,ヨシカワ,ハナコ,1980-01-01,女,世帯主,2001-04-01,,みほん県みほん市中央一丁目,2番2号,,,,,,,,,,,\n\
         A3,9003,山本,次郎,ヤマモト,ジロウ,1980-01-01,男,子,2001-04-01,,みほん県みほん市中央一丁目,3番3号,,,,,,,,,,,\n\
         F1,9005,NGUYEN VAN AN,,グエン　ヴァン　アン,,1995-05-05,男,世帯主,2022-04-01,,みほん県みほん市中央一丁目,5番5号,,,,,,ベトナム,,留学,2年,2027-03-31,AB12345678CD\n",
    );
    let err = migration::read(&bad, &gaiji, cut_over)
        .map(|_| ())
        .expect_err("bad rows");
    let MigrationError::Rows(rows) = &err else {
        panic!("{err}")
    };
    let listed: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    assert_eq!(rows.len(), 4, "{listed:?}");
    assert!(listed[0].starts_with("2行目「生年月日」"), "{listed:?}");
    assert!(
        listed[1].contains("3行目「氏」") && listed[1].contains("U+E001"),
        "{listed:?}"
    );
    assert!(
        listed[2].contains("4行目「続柄」") && listed[2].contains("世帯主が 0 人"),
        "{listed:?}"
    );
    assert!(
        listed[3].contains("5行目「法第30条の45に規定する区分」"),
        "a foreign resident without the 30条45区分: {listed:?}"
    );
    assert_eq!(err.code(), "E-MIGRATE-002");
    assert!(store.ledger(t, 0, 1).await.expect("ledger").is_empty());

    // A good file: three households (one of a 外国人住民), the 外字 mapped, the dates kept.
    let good = file(
        "A1,9001,\u{E000}田,太郎,ヨシダ,タロウ,昭和50年2月3日,男,世帯主,平成13年4月1日,2010-05-01,みほん県みほん市中央一丁目,1番1号,みほんハイツ101,みほん県みほん市中央一丁目1番地,\u{E000}田　太郎,,123456789018,,,,,,\n\
         A1,9002,\u{E000}田,花子,ヨシダ,ハナコ,1977-07-07,女,妻,2003-06-01,2010-05-01,みほん県みほん市中央一丁目,1番1号,みほんハイツ101,みほん県みほん市中央一丁目1番地,\u{E000}田　太郎,,,,,,,,\n\
         A1,9003,\u{E000}田,健,ヨシダ,ケン,2015-03-03,男,子,2015-03-03,2015-03-03,みほん県みほん市中央一丁目,1番1号,みほんハイツ101,,,,,,,,,,\n\
         B7,9004,佐藤,一,サトウ,ハジメ,1940-01-01,男,世帯主,1965-01-01,,みほん県みほん市東町,4番地,,,,,,,,,,,\n\
         F1,9005,NGUYEN VAN AN,,グエン　ヴァン　アン,,1995-05-05,男,世帯主,2022-04-01,,みほん県みほん市中央一丁目,5番5号,,,,,,ベトナム,中長期在留者,留学,2年,2027-03-31,AB12345678CD\n",
    );
    let plan = migration::read(&good, &gaiji, cut_over).expect("read");
    assert_eq!((plan.households(), plan.persons), (3, 5));
    let done = migration::write(&*store, &actor, plan, cut_over, today)
        .await
        .expect("write");
    assert_eq!((done.households, done.persons), (3, 5));
    let ids: Vec<PersonId> = done.numbers.iter().map(|(_, id, _)| *id).collect();
    let persons = store.persons(t, &ids).await.expect("persons");
    let taro = persons
        .iter()
        .find(|p| p.id == done.numbers[0].1)
        .expect("taro");
    assert_eq!(taro.name.family(), "𠮷田");
    assert_eq!(
        taro.became_resident_on,
        NaiveDate::from_ymd_opt(2001, 4, 1).expect("date")
    );
    assert_eq!(
        taro.address_since,
        NaiveDate::from_ymd_opt(2010, 5, 1).expect("date")
    );
    assert!(taro.individual_number.is_some());
    assert_eq!(done.numbers[0].0, "9001");
    assert_eq!(done.numbers[0].2, done.numbers[2].2, "one household");
    assert_ne!(done.numbers[0].2, done.numbers[3].2);
    let report = kikan_app::check::check(&*store, t)
        .await
        .expect("replay check");
    assert_eq!(report.persons, 5);
    // The CS holds what the former system sent: a 移行 gives it no item (7.1.1.1).
    let cs = kikan_app::cs::list(&*store, t, &[], None)
        .await
        .expect("cs items");
    assert!(cs.is_empty(), "{cs:?}");
    // The foreign resident with the 30条の45 items, 住民となった年月日 as the vendor's.
    let an = persons
        .iter()
        .find(|p| p.id == done.numbers[4].1)
        .expect("the foreign resident");
    let f = an.foreign.as_ref().expect("foreign items");
    assert_eq!(
        (
            f.nationality.as_str(),
            f.category.label(),
            f.status.map(|s| s.label())
        ),
        ("ベトナム", "中長期在留者", Some("留学"))
    );
    assert_eq!(f.card_number.as_deref(), Some("AB12345678CD"));
    assert_eq!(f.expires_on, NaiveDate::from_ymd_opt(2027, 3, 31));
    assert_eq!(
        an.became_resident_on,
        NaiveDate::from_ymd_opt(2022, 4, 1).expect("date")
    );
    assert!(an.honseki.is_none());

    // Not twice.
    let plan = migration::read(&good, &gaiji, cut_over).expect("read");
    let err = migration::write(&*store, &actor, plan, cut_over, today)
        .await
        .expect_err("not empty");
    assert_eq!(err.code(), "E-MIGRATE-004");
}

/// フリガナ確認フラグ (1.1.18): taken from the vendor's column when it has one (`1`,
/// `確認済`; `0`, `未確認` or empty: not confirmed); any other value is a bad row.
async fn furigana_confirmation_is_taken_over(s: TestStore) {
    let store = s.store();
    let t = tenant(&*store).await;
    let cut_over = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
    let head = "世帯番号,氏,名,氏フリガナ,名フリガナ,フリガナ確認フラグ,生年月日,性別,続柄,住民となった年月日,住所,番地\n";
    let csv = |rows: &str| format!("{head}{rows}").into_bytes();
    let err = migration::read(
        &csv("A1,青木,太郎,アオキ,タロウ,はい,1980-01-01,男,世帯主,2001-04-01,みほん県みほん市中央一丁目,1番1号\n"),
        &GaijiMap::default(),
        cut_over,
    )
    .map(|_| ())
    .expect_err("bad flag");
    let MigrationError::Rows(rows) = &err else {
        panic!("{err}")
    };
    assert!(
        rows.len() == 1
            && rows[0]
                .to_string()
                .starts_with("2行目「フリガナ確認フラグ」"),
        "{rows:?}"
    );
    let plan = migration::read(
        &csv("A1,青木,太郎,アオキ,タロウ,確認済,1980-01-01,男,世帯主,2001-04-01,みほん県みほん市中央一丁目,1番1号\n\
              A1,青木,花子,アオキ,ハナコ,,1982-02-02,女,妻,2001-04-01,みほん県みほん市中央一丁目,1番1号\n"),
        &GaijiMap::default(),
        cut_over,
    )
    .expect("read");
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let done = migration::write(
        &*store,
        &Actor::command_line(t, Some("移行")),
        plan,
        cut_over,
        today,
    )
    .await
    .expect("write");
    let ids: Vec<PersonId> = done.numbers.iter().map(|(_, id, _)| *id).collect();
    let mut flags: Vec<(String, bool)> = store
        .persons(t, &ids)
        .await
        .expect("persons")
        .iter()
        .map(|p| (p.name.given().to_string(), p.furigana.confirmed()))
        .collect();
    flags.sort();
    assert_eq!(
        flags,
        vec![("太郎".to_string(), true), ("花子".to_string(), false)]
    );
}

kikan_testsuite::on_both!(
    vendor_residents_move_in,
    furigana_confirmation_is_taken_over
);
