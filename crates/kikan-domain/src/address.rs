//! 住所辞書 (1.3.2–1.3.4, j240–j260): the address master a municipality keeps.
//!
//! - [`AddressCode`]: the standard's 11-digit 住所コード, 都道府県 (2, JIS X 0401) +
//!   市区町村 (3, JIS X 0402) + 大字 (3) + 小字 (3).
//! - [`Town`]: one 町字 of the dictionary (大字・町, 丁目 or 小字) with its readings, its
//!   郵便番号 and the dates it took effect and was abolished (an abolished 町名 stays,
//!   so a 本籍 can still be written with it).
//! - [`BanchiNumbers`]: a 番地・枝番・部屋番号 held as numbers, so lists sort 2番 before
//!   10番 (1.3.2).
//! - [`kana_heads`] and [`Town::matches_heads`]: 住所カナ入力, the first kana of each level
//!   of an address (東京都日野市神明: 「ト ヒ シ」).

use crate::DomainError;
use crate::PostalCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// 住所コード: 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AddressCode(String);

impl AddressCode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if t.len() == 11 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AddressCode(t.to_string()))
        } else {
            Err(DomainError::InvalidAddressCode { code: s.into() })
        }
    }
    /// From its parts: the 5-digit 都道府県+市区町村 code and the 大字 and 小字 numbers.
    pub fn of(city: &str, oaza: u16, small: u16) -> Result<Self, DomainError> {
        Self::parse(&format!("{city}{oaza:03}{small:03}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// 都道府県 (2 digits).
    pub fn pref(&self) -> &str {
        &self.0[..2]
    }
    /// 都道府県 + 市区町村 (5 digits, the 全国地方公共団体コード without its check digit).
    pub fn city(&self) -> &str {
        &self.0[..5]
    }
    /// Up to the 大字 (8 digits).
    pub fn oaza(&self) -> &str {
        &self.0[..8]
    }
    /// The 小字 (or 丁目) part: 000 when the code names a 大字 (or a city) itself.
    pub fn small(&self) -> &str {
        &self.0[8..]
    }
}

impl fmt::Display for AddressCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AddressCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        AddressCode::parse(&s)
    }
}

impl From<AddressCode> for String {
    fn from(c: AddressCode) -> String {
        c.0
    }
}

/// The levels a code prefix names, for the choice 都道府県 → 市区町村 → 大字 → 小字
/// (1.3.3): the length of the codes one level below `parent` (2, 5, 8, 11), or None
/// when `parent` is not a code prefix of a level.
pub fn child_length(parent: &str) -> Option<usize> {
    if !parent.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match parent.len() {
        0 => Some(2),
        2 => Some(5),
        5 => Some(8),
        8 => Some(11),
        _ => None,
    }
}

/// One 町字 of the 住所辞書.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Town {
    pub code: AddressCode,
    /// アドレス・ベース・レジストリ's key: 全国地方公共団体コード (6) + 町字ID (7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    pub pref: String,
    pub pref_kana: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub county_kana: String,
    pub city: String,
    pub city_kana: String,
    /// 政令市の区.
    #[serde(default)]
    pub ward: String,
    #[serde(default)]
    pub ward_kana: String,
    /// 大字・町.
    #[serde(default)]
    pub oaza: String,
    #[serde(default)]
    pub oaza_kana: String,
    #[serde(default)]
    pub chome: String,
    #[serde(default)]
    pub chome_kana: String,
    /// 小字.
    #[serde(default)]
    pub koaza: String,
    #[serde(default)]
    pub koaza_kana: String,
    /// 住居表示実施済み (its 番地 are 街区符号・住居番号, not 地番).
    #[serde(default)]
    pub residential: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<PostalCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_on: Option<NaiveDate>,
    /// 廃止日: an abolished 町名 is kept for 本籍 and old addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abolished_on: Option<NaiveDate>,
    /// Changed by staff: a later import does not overwrite it.
    #[serde(default)]
    pub edited: bool,
}

impl Town {
    /// 郡・市区町村・区, as written in an address.
    pub fn city_part(&self) -> String {
        format!("{}{}{}", self.county, self.city, self.ward)
    }
    /// 丁目 or 小字, as written after the 大字.
    pub fn small_part(&self) -> String {
        format!("{}{}", self.chome, self.koaza)
    }
    /// The address as written up to the 町字 (東京都日野市神明一丁目).
    pub fn text(&self) -> String {
        format!(
            "{}{}{}{}",
            self.pref,
            self.city_part(),
            self.oaza,
            self.small_part()
        )
    }
    /// The name of each level, 都道府県 → 市区町村 → 大字 → 小字.
    pub fn level_names(&self) -> [String; 4] {
        [
            self.pref.clone(),
            self.city_part(),
            self.oaza.clone(),
            self.small_part(),
        ]
    }
    /// The reading of each level, as [`Town::level_names`].
    pub fn level_kana(&self) -> [String; 4] {
        [
            self.pref_kana.clone(),
            format!("{}{}{}", self.county_kana, self.city_kana, self.ward_kana),
            self.oaza_kana.clone(),
            format!("{}{}", self.chome_kana, self.koaza_kana),
        ]
    }
    /// In force on `day`?
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.effective_on.is_none_or(|d| d <= day) && self.abolished_on.is_none_or(|d| d > day)
    }
    /// 住所カナ入力 (1.3.3): does each head begin the reading of the next level, in order?
    /// The levels are the 都道府県, then 郡, 市区町村 and 区 (each may be skipped: 「ト ミ」
    /// and 「ト ニ ミ」 both find 東京都西多摩郡瑞穂町), then 大字, 丁目 and 小字.
    pub fn matches_heads(&self, heads: &[String]) -> bool {
        let levels: [(&str, bool); 7] = [
            (&self.pref_kana, false),
            (&self.county_kana, true),
            (&self.city_kana, false),
            (&self.ward_kana, true),
            (&self.oaza_kana, true),
            (&self.chome_kana, true),
            (&self.koaza_kana, true),
        ];
        fn go(levels: &[(&str, bool)], heads: &[String]) -> bool {
            let Some(head) = heads.first() else {
                return true;
            };
            let Some(((kana, optional), rest)) = levels.split_first() else {
                return false;
            };
            let key = crate::names::kana_key(kana);
            if !key.is_empty() && key.starts_with(head.as_str()) && go(rest, &heads[1..]) {
                return true;
            }
            (*optional || key.is_empty()) && go(rest, heads)
        }
        go(&levels, heads)
    }
}

/// The heads of a 住所カナ入力 (「ト ヒ シ」, 「とひし」 is one head): each blank-separated
/// part as a kana key. Refused unless every part is kana.
pub fn kana_heads(input: &str) -> Result<Vec<String>, DomainError> {
    let heads: Vec<String> = input
        .split(|c: char| c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(crate::names::kana_key)
        .collect();
    if heads.is_empty() || heads.iter().any(|h| !crate::names::is_reading(h)) {
        return Err(DomainError::AddressKana {
            input: input.into(),
        });
    }
    Ok(heads)
}

/// 番地・枝番・部屋番号 as numbers (1.3.2): 「12番地3」「12番3号」「１２－３」「十二番地の三」
/// all read [12, 3, 0]; a third number where written (「1番2号3」). None when the text
/// holds no number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BanchiNumbers(pub [u32; 3]);

impl BanchiNumbers {
    pub fn parse(text: &str) -> Option<Self> {
        let mut nums = Vec::new();
        let mut cur: Option<u32> = None;
        let mut kanji: Option<(u32, u32)> = None; // (total, current digit)
        let flush_kanji = |k: &mut Option<(u32, u32)>, nums: &mut Vec<u32>| {
            if let Some((total, digit)) = k.take() {
                nums.push(total + digit);
            }
        };
        for c in text.chars() {
            let d = match c {
                '0'..='9' => Some(c as u32 - '0' as u32),
                '０'..='９' => Some(c as u32 - '０' as u32),
                _ => None,
            };
            if let Some(d) = d {
                flush_kanji(&mut kanji, &mut nums);
                cur = Some(cur.unwrap_or(0).saturating_mul(10).saturating_add(d));
                continue;
            }
            if let Some(n) = cur.take() {
                nums.push(n);
            }
            let k = match c {
                '〇' | '零' => Some(0),
                '一' => Some(1),
                '二' => Some(2),
                '三' => Some(3),
                '四' => Some(4),
                '五' => Some(5),
                '六' => Some(6),
                '七' => Some(7),
                '八' => Some(8),
                '九' => Some(9),
                _ => None,
            };
            let unit = match c {
                '十' => Some(10),
                '百' => Some(100),
                '千' => Some(1000),
                _ => None,
            };
            if let Some(k) = k {
                let (total, digit) = kanji.unwrap_or((0, 0));
                kanji = Some((total, digit * 10 + k));
            } else if let Some(u) = unit {
                let (total, digit) = kanji.unwrap_or((0, 0));
                kanji = Some((total + digit.max(1) * u, 0));
            } else {
                flush_kanji(&mut kanji, &mut nums);
            }
        }
        if let Some(n) = cur {
            nums.push(n);
        }
        flush_kanji(&mut kanji, &mut nums);
        if nums.is_empty() {
            return None;
        }
        let mut out = [0; 3];
        for (slot, n) in out.iter_mut().zip(nums) {
            *slot = n;
        }
        Some(BanchiNumbers(out))
    }
}

/// 住居表示 (街区符号・住居番号) or 地番: the two kinds of number a 町字 has (1.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    /// 住居表示: 街区符号 and 住居番号 (1番2号).
    Residence,
    /// 地番 (特殊地番 included).
    Parcel,
}

impl NumberKind {
    pub fn code(self) -> &'static str {
        match self {
            NumberKind::Residence => "residence",
            NumberKind::Parcel => "parcel",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "residence" | "住居表示" => Some(NumberKind::Residence),
            "parcel" | "地番" => Some(NumberKind::Parcel),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NumberKind::Residence => "住居表示",
            NumberKind::Parcel => "地番",
        }
    }
}

/// One 街区・住居 or 地番 of a 町字 (1.3.2), with its numbers for sorting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressNumber {
    pub town: AddressCode,
    pub kind: NumberKind,
    pub numbers: BanchiNumbers,
    /// As written after the 町字: 「1番2号」, 「123番地4」.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abolished_on: Option<NaiveDate>,
}

impl AddressNumber {
    /// The text of a 住居表示 (街区符号 n1, 住居番号 n2, 枝番 n3) or a 地番 (n1 番地 n2 の n3).
    pub fn text_of(kind: NumberKind, n: BanchiNumbers) -> String {
        let [a, b, c] = n.0;
        match kind {
            NumberKind::Residence => match (b, c) {
                (0, _) => format!("{a}番"),
                (b, 0) => format!("{a}番{b}号"),
                (b, c) => format!("{a}番{b}-{c}号"),
            },
            NumberKind::Parcel => match (b, c) {
                (0, _) => format!("{a}番地"),
                (b, 0) => format!("{a}番地{b}"),
                (b, c) => format!("{a}番地{b}の{c}"),
            },
        }
    }
}

/// 方書 (1.3.4): a building (アパート, マンション, 寮 …) at an address of the dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Katagaki {
    pub id: i64,
    pub town: AddressCode,
    /// The 番地 it stands at, as written (「1番2号」).
    pub banchi: String,
    pub numbers: Option<BanchiNumbers>,
    /// The building's name as written in a 方書 (みほんハイツ).
    pub name: String,
    #[serde(default)]
    pub kana: String,
    /// Out of use (pulled down, renamed): kept, no longer proposed.
    pub active: bool,
}

impl Katagaki {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.name.trim().is_empty() || self.name.chars().count() > 60 {
            return Err(DomainError::Invalid {
                field: "方書",
                reason: "建物名は1文字以上60文字以内で入力してください".into(),
            });
        }
        if self.banchi.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "番地",
                reason: "方書を結びつける番地を入力してください".into(),
            });
        }
        Ok(())
    }
}

/// One line of Japan Post's postal code file (KEN_ALL.CSV): the code and the town it
/// names, readings in full-width katakana.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalEntry {
    pub postal_code: PostalCode,
    /// 全国地方公共団体コード, 5 digits.
    pub city_code: String,
    pub pref: String,
    pub city: String,
    /// 町域名 as published (「神明」, 「大通西（１～１９丁目）」); empty for 「以下に掲載がない場合」.
    pub town: String,
    pub pref_kana: String,
    pub city_kana: String,
    pub town_kana: String,
}

impl PostalEntry {
    /// The 町域 without its parenthesised part (「大通西（１～１９丁目）」: 「大通西」).
    pub fn town_base(&self) -> &str {
        self.town.split('（').next().unwrap_or("")
    }
    /// The address the code names, as written.
    pub fn text(&self) -> String {
        format!("{}{}{}", self.pref, self.city, self.town_base())
    }
}

/// 国名 (1.3.3: 国名については、毎年、最新の情報に更新すること): a country or region as the
/// registry writes it in a 国籍・地域 and in an address abroad, by its ISO 3166-1 numeric
/// code; an abolished one is kept for the records that name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    /// ISO 3166-1 numeric (3 digits).
    pub code: String,
    /// ISO 3166-1 alpha-2, where the list gives it.
    #[serde(default)]
    pub alpha2: String,
    /// The name as the registry writes it (ベトナム).
    pub name: String,
    #[serde(default)]
    pub kana: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abolished_on: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hino_shinmei() -> Town {
        Town {
            code: AddressCode::parse("13212001001").expect("test value"),
            registry_id: None,
            pref: "東京都".into(),
            pref_kana: "トウキョウト".into(),
            county: String::new(),
            county_kana: String::new(),
            city: "日野市".into(),
            city_kana: "ヒノシ".into(),
            ward: String::new(),
            ward_kana: String::new(),
            oaza: "神明".into(),
            oaza_kana: "シンメイ".into(),
            chome: "一丁目".into(),
            chome_kana: "イッチョウメ".into(),
            koaza: String::new(),
            koaza_kana: String::new(),
            residential: true,
            postal_code: None,
            effective_on: None,
            abolished_on: None,
            edited: false,
        }
    }

    #[test]
    fn address_codes_have_eleven_digits_and_four_levels() {
        let c = AddressCode::parse("13212001001").expect("test value");
        assert_eq!(
            (c.pref(), c.city(), c.oaza(), c.small()),
            ("13", "13212", "13212001", "001")
        );
        assert!(AddressCode::parse("1321200100").is_err());
        assert!(AddressCode::parse("1321200100a").is_err());
        assert_eq!(
            AddressCode::of("13212", 1, 101)
                .expect("test value")
                .as_str(),
            "13212001101"
        );
        assert_eq!(child_length(""), Some(2));
        assert_eq!(child_length("13212"), Some(8));
        assert_eq!(child_length("132"), None);
    }

    #[test]
    fn kana_heads_follow_the_levels() {
        let t = hino_shinmei();
        assert_eq!(t.text(), "東京都日野市神明一丁目");
        assert!(t.matches_heads(&kana_heads("ト ヒ シ").expect("test value")));
        assert!(t.matches_heads(&kana_heads("と ひの しんめい いっ").expect("test value")));
        assert!(t.matches_heads(&kana_heads("ﾄ ﾋ").expect("test value")));
        assert!(!t.matches_heads(&kana_heads("ト シ").expect("test value")));
        assert!(!t.matches_heads(&kana_heads("ヒ").expect("test value")));
        assert!(kana_heads("東京").is_err());
        assert!(kana_heads("  ").is_err());
        let mut mizuho = t.clone();
        mizuho.county = "西多摩郡".into();
        mizuho.county_kana = "ニシタマグン".into();
        mizuho.city = "瑞穂町".into();
        mizuho.city_kana = "ミズホマチ".into();
        assert!(mizuho.matches_heads(&kana_heads("ト ミ").expect("test value")));
        assert!(mizuho.matches_heads(&kana_heads("ト ニ ミ シ").expect("test value")));
    }

    #[test]
    fn banchi_numbers_sort_as_numbers() {
        let n = |s| BanchiNumbers::parse(s).expect("test value").0;
        assert_eq!(n("12番地3"), [12, 3, 0]);
        assert_eq!(n("１２番３号"), [12, 3, 0]);
        assert_eq!(n("12-3-4"), [12, 3, 4]);
        assert_eq!(n("十二番地の三"), [12, 3, 0]);
        assert_eq!(n("百二十三番地"), [123, 0, 0]);
        assert_eq!(n("二千五番地"), [2005, 0, 0]);
        assert!(BanchiNumbers::parse("2番") < BanchiNumbers::parse("10番"));
        assert_eq!(BanchiNumbers::parse("番外"), None);
        assert_eq!(
            AddressNumber::text_of(NumberKind::Parcel, BanchiNumbers([123, 4, 0])),
            "123番地4"
        );
        assert_eq!(
            AddressNumber::text_of(NumberKind::Residence, BanchiNumbers([1, 2, 0])),
            "1番2号"
        );
    }

    #[test]
    fn towns_in_force() {
        let mut t = hino_shinmei();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("test value");
        t.abolished_on = Some(d(2020, 4, 1));
        assert!(t.in_force(d(2020, 3, 31)));
        assert!(!t.in_force(d(2020, 4, 1)));
    }
}
