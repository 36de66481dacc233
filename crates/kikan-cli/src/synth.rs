//! Synthetic residents for the demo: deterministic from a seed, no real person's data.
//!
//! Each household comes as the ledger entries that made it: a 転入 in the past, and
//! sometimes a later 出生, 転居, 死亡 or 転出, so that history and as-of queries have
//! something to show.

use chrono::{Duration, NaiveDate, Utc};
use kikan_domain::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Surnames with their readings; some in variant or IVS form as registered.
const SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("髙橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("渡邊", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("齋藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("山﨑", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("葛西", "カサイ"),
    ("葛\u{E0102}西", "カサイ"),
    ("辻\u{E0102}本", "ツジモト"),
    ("辻本", "ツジモト"),
];
const MALE: &[(&str, &str)] = &[
    ("太郎", "タロウ"),
    ("一郎", "イチロウ"),
    ("健太", "ケンタ"),
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("拓也", "タクヤ"),
    ("蓮", "レン"),
    ("悠真", "ユウマ"),
    ("陽翔", "ハルト"),
    ("湊", "ミナト"),
    ("誠", "マコト"),
    ("茂", "シゲル"),
    ("博", "ヒロシ"),
    ("清", "キヨシ"),
];
const FEMALE: &[(&str, &str)] = &[
    ("花子", "ハナコ"),
    ("陽子", "ヨウコ"),
    ("美咲", "ミサキ"),
    ("さくら", "サクラ"),
    ("結衣", "ユイ"),
    ("陽菜", "ヒナ"),
    ("凛", "リン"),
    ("芽依", "メイ"),
    ("恵子", "ケイコ"),
    ("幸子", "サチコ"),
    ("和子", "カズコ"),
    ("明美", "アケミ"),
];
const TOWNS: &[&str] = &[
    "中央一丁目",
    "中央二丁目",
    "中央三丁目",
    "本町",
    "緑町",
    "港町",
    "旭町",
    "栄町",
    "桜台",
    "若葉台",
    "東町",
    "西町",
];
/// Foreign residents: name, reading, nationality, status.
const FOREIGN: &[(&str, &str, &str, &str)] = &[
    (
        "NGUYEN VAN AN",
        "グエン　ヴァン　アン",
        "ベトナム",
        "技能実習2号ロ",
    ),
    ("WANG FANG", "ワン　ファン", "中国", "留学"),
    ("SANTOS MARIA", "サントス　マリア", "ブラジル", "定住者"),
    ("REYES ANA", "レジェス　アナ", "フィリピン", "永住者"),
    (
        "SHARMA RAJ",
        "シャルマ　ラジ",
        "ネパール",
        "技術・人文知識・国際業務",
    ),
];

/// The generator of one synthetic municipality.
pub struct Synth {
    rng: ChaCha8Rng,
    pub place_prefix: String,
    pub today: NaiveDate,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d.min(28)).unwrap_or(NaiveDate::MIN)
}

impl Synth {
    pub fn new(seed: u64, place_prefix: &str, today: NaiveDate) -> Self {
        Synth {
            rng: ChaCha8Rng::seed_from_u64(seed),
            place_prefix: place_prefix.into(),
            today,
        }
    }

    fn id(&mut self) -> i64 {
        self.rng.random_range(1..(1i64 << 53))
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }
    fn day_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(1);
        from + Duration::days(self.rng.random_range(0..span))
    }
    fn address(&mut self) -> Address {
        let town = self.pick(TOWNS);
        let banchi = format!(
            "{}番{}号",
            self.rng.random_range(1..30),
            self.rng.random_range(1..20)
        );
        let katagaki = if self.rng.random_bool(0.35) {
            Some(format!(
                "みほんハイツ{}{:02}号室",
                self.rng.random_range(1..6),
                self.rng.random_range(1..12)
            ))
        } else {
            None
        };
        Address {
            postal_code: PostalCode::parse(&format!("999{:04}", self.rng.random_range(0..100)))
                .ok(),
            place: format!("{}{}", self.place_prefix, town),
            banchi,
            katagaki,
        }
    }

    fn japanese(
        &mut self,
        surname: (&str, &str),
        male: bool,
        birth: NaiveDate,
        rel: Relationship,
    ) -> Option<PersonData> {
        let given = if male {
            self.pick(MALE)
        } else {
            self.pick(FEMALE)
        };
        let body = format!("{:010}", self.rng.random_range(0..10_000_000_000u64));
        let number = format!("{:011}", self.rng.random_range(0..100_000_000_000u64));
        let town = self.pick(TOWNS);
        Some(PersonData {
            id: PersonId(self.id()),
            juminhyo_code: JuminhyoCode::from_body(&body).ok(),
            individual_number: IndividualNumber::from_body(&number).ok(),
            name: PersonName::parse(surname.0, given.0).ok()?,
            furigana: Furigana::parse(surname.1, given.1).ok()?,
            birth_date: birth,
            sex: if male { Sex::Male } else { Sex::Female },
            relationship: rel,
            honseki: Honseki::parse(
                &format!("{}{}", self.place_prefix, town),
                &format!("{}　{}", surname.0, given.0),
            )
            .ok(),
            foreign: None,
        })
    }

    fn foreigner(&mut self, birth: NaiveDate) -> Option<PersonData> {
        let (name, kana, nationality, status) = self.pick(FOREIGN);
        let status = ResidenceStatus::parse(status).ok()?;
        Some(PersonData {
            id: PersonId(self.id()),
            juminhyo_code: JuminhyoCode::from_body(&format!(
                "{:010}",
                self.rng.random_range(0..10_000_000_000u64)
            ))
            .ok(),
            individual_number: None,
            name: PersonName::parse(name, "").ok()?,
            furigana: Furigana::parse(kana, "").ok()?,
            birth_date: birth,
            sex: if self.rng.random_bool(0.5) {
                Sex::Male
            } else {
                Sex::Female
            },
            relationship: Relationship::Head,
            honseki: None,
            foreign: Some(ForeignDetails {
                nationality: nationality.into(),
                category: ForeignCategory::MidToLongTerm,
                status: Some(status),
                period: if status.has_expiry() {
                    Some("3年".into())
                } else {
                    None
                },
                expires_on: if status.has_expiry() {
                    Some(self.today + Duration::days(self.rng.random_range(30..1000)))
                } else {
                    None
                },
                card_number: Some(format!(
                    "AB{:08}CD",
                    self.rng.random_range(0..100_000_000u32)
                )),
                alias: None,
                past_aliases: vec![],
            }),
        })
    }

    fn entry(&mut self, change: Change, effective: NaiveDate) -> Option<LedgerEntry> {
        let delay = self.rng.random_range(0..12);
        let notified = (effective + Duration::days(delay)).min(self.today);
        LedgerEntry::at_intake(
            change,
            effective,
            notified,
            Utc::now(),
            "デモデータ".into(),
            None,
            self.today,
        )
        .ok()
    }

    /// One household with its history, as ledger entries in order.
    pub fn household(&mut self) -> Vec<LedgerEntry> {
        let mut out = Vec::new();
        let hid = HouseholdId(self.id());
        let address = self.address();
        let moved_in = self.day_between(date(1995, 1, 1), self.today - Duration::days(60));
        let surname = self.pick(SURNAMES);
        let y = |d: NaiveDate| d.format("%Y").to_string().parse::<i32>().unwrap_or(2000);
        let kind = self.rng.random_range(0..100);
        let mut persons = Vec::new();
        if kind < 3 {
            let birth = self.day_between(date(1960, 1, 1), date(2000, 1, 1));
            persons.extend(self.foreigner(birth));
        } else {
            let head_birth =
                self.day_between(date(1935, 1, 1), moved_in - Duration::days(20 * 365));
            persons.extend(self.japanese(surname, true, head_birth, Relationship::Head));
            if kind >= 33 {
                let b = self
                    .day_between(
                        head_birth - Duration::days(1500),
                        head_birth + Duration::days(1500),
                    )
                    .min(moved_in);
                persons.extend(self.japanese(surname, false, b, Relationship::Wife));
            }
            if kind >= 53 {
                for _ in 0..self.rng.random_range(1..4) {
                    let from = date(y(head_birth) + 22, 1, 1).min(moved_in);
                    let b = self.day_between(from, moved_in);
                    let male = self.rng.random_bool(0.5);
                    persons.extend(self.japanese(surname, male, b, Relationship::Child));
                }
            }
            if kind >= 95 {
                let b = head_birth - Duration::days(self.rng.random_range(22 * 365..35 * 365));
                persons.extend(self.japanese(
                    surname,
                    false,
                    b.max(date(1920, 1, 1)),
                    Relationship::Mother,
                ));
            }
        }
        let mut ids: Vec<PersonId> = persons.iter().map(|p| p.id).collect();
        let previous = Address {
            postal_code: None,
            place: "東京都千代田区千代田".into(),
            banchi: "1番1号".into(),
            katagaki: None,
        };
        let change = Change::MoveIn {
            kind: MoveInKind::Domestic,
            household: MoveInHousehold::New { id: hid },
            persons,
            address: address.clone(),
            previous_address: Some(previous),
        };
        out.extend(self.entry(change, moved_in));
        // Later events.
        let after = moved_in + Duration::days(30);
        if ids.len() >= 2 && self.rng.random_bool(0.25) {
            let b = self.day_between(after, self.today - Duration::days(20));
            let male = self.rng.random_bool(0.5);
            if let Some(child) = self.japanese(surname, male, b, Relationship::Child) {
                ids.push(child.id);
                out.extend(self.entry(
                    Change::Birth {
                        person: child,
                        household: hid,
                    },
                    b,
                ));
            }
        }
        let last = out.last().map_or(moved_in, |e| e.effective_on) + Duration::days(10);
        if self.rng.random_bool(0.15) && last < self.today - Duration::days(10) {
            let on = self.day_between(last, self.today - Duration::days(5));
            let to = self.address();
            let change = Change::Relocation {
                persons: ids.clone(),
                address: to,
                target: RelocationTarget::WholeHousehold,
            };
            out.extend(self.entry(change, on));
        }
        let last = out.last().map_or(moved_in, |e| e.effective_on) + Duration::days(10);
        if ids.len() == 1 && self.rng.random_bool(0.1) && last < self.today - Duration::days(10) {
            let on = self.day_between(last, self.today - Duration::days(5));
            out.extend(self.entry(
                Change::Death {
                    person: ids[0],
                    succession: None,
                },
                on,
            ));
        } else if self.rng.random_bool(0.05) && last < self.today - Duration::days(30) {
            let on = self.day_between(last, self.today - Duration::days(20));
            let dest = Address {
                postal_code: None,
                place: "大阪府大阪市北区梅田".into(),
                banchi: "1丁目1番".into(),
                katagaki: None,
            };
            let change = Change::MoveOut {
                persons: ids.clone(),
                destination: dest.clone(),
                planned_on: on,
                abroad: false,
                succession: None,
            };
            out.extend(self.entry(change, on));
            let confirm = Change::MoveOutConfirmed {
                persons: ids,
                destination: dest,
                notice_from: LocalGovCode::from_five("27127").ok(),
                succession: None,
            };
            out.extend(self.entry(confirm, on));
        }
        out
    }
}
