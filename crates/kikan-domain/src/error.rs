//! Domain errors: each has a stable machine code and a Japanese message for staff.

use chrono::NaiveDate;
use thiserror::Error;

/// Every way a domain rule can refuse input.
///
/// The `code()` is stable across releases (clients and the UI key on it); the
/// `Display` text is the Japanese message shown to counter staff.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    // --- codes and numbers (E-CODE-*) ---
    #[error(
        "地方公共団体コード「{0}」が正しくありません(6桁の数字で、検査数字が一致する必要があります)"
    )]
    InvalidLocalGovCode(String),
    #[error(
        "住民票コード「{0}」が正しくありません(11桁の数字で、検査数字が一致する必要があります)"
    )]
    InvalidJuminhyoCode(String),
    #[error("個人番号が正しくありません(12桁の数字で、検査用数字が一致する必要があります)")]
    InvalidIndividualNumber,
    #[error("郵便番号「{0}」が正しくありません(7桁の数字、例: 231-0005)")]
    InvalidPostalCode(String),
    #[error("{kind}「{value}」は登録されていない区分です")]
    UnknownCode { kind: &'static str, value: String },
    #[error("続柄「{value}」は標準仕様で使わない表記です({hint})")]
    RelationshipForm { value: String, hint: String },

    #[error(
        "{name}さんは転入通知を待っている転出者ではありません(照会書は転出予定日に消除され、転入通知が未着の者に限ります)"
    )]
    NotAwaitingMoveInNotice { name: String },
    /// A certificate recorded as 処分 (printed in error and destroyed, 1.3.8) is not
    /// printed or disposed of again.
    #[error("交付番号 {serial} の証明書は処分済みです(処分の記録: {reason})")]
    CertificateDisposed { serial: i64, reason: String },
    /// A notice or record asked for an entry (or person) it does not apply to.
    #[error("{letter}は作成できません({reason})")]
    LetterNotApplicable {
        letter: &'static str,
        reason: String,
    },
    #[error(
        "{name}さんの旧氏・通称は引き継げません(国外へ転出した市区町村への、その後最初の国外からの転入で、再転入者として入力した場合に限ります)"
    )]
    FormerNamesNotCarried { name: String },
    #[error("宛名番号{id}の人は台帳番号{seq}の異動の対象ではありません")]
    PersonNotInEntry { seq: String, id: String },
    #[error("世帯{id}には世帯主がいません。世帯主変更依頼通知書を使ってください")]
    HouseholdHeadless { id: String },
    #[error("世帯{id}には世帯主がいます(世帯主変更依頼通知書は世帯主がいない世帯に限ります)")]
    HouseholdHasHead { id: String },

    // --- dates (E-DATE-*) ---
    #[error("日付「{0}」を読み取れません(例: 令和8年4月1日、R8.4.1、2026-04-01)")]
    InvalidDate(String),
    #[error("明治6年(1873年)より前の日付は旧暦のため扱えません")]
    LunarCalendarDate,
    #[error("{what}({date})が未来の日付です")]
    FutureDate { what: &'static str, date: String },
    #[error("異動日({effective})が届出日({notified})より後です")]
    EffectiveAfterNotified { effective: String, notified: String },
    #[error(
        "{what}に不詳日・暦にない日(「{text}」)は入力できません。不詳日は生年月日、住民となった年月日、住所を定めた年月日と出生・死亡・失踪の異動日に限ります"
    )]
    UnknownDateNotAllowed { what: &'static str, text: String },

    // --- names and addresses (E-NAME-*, E-ADDR-*) ---
    #[error("{field}が入力されていません")]
    Missing { field: &'static str },
    #[error("{field}に使用できない文字が含まれています(「{ch}」)")]
    InvalidCharacter { field: &'static str, ch: String },
    #[error("振り仮名はカタカナで入力してください(「{0}」)")]
    InvalidFurigana(String),
    #[error("{field}が長すぎます(最大{max}文字)")]
    TooLong { field: &'static str, max: usize },
    #[error("{field}が正しくありません({reason})")]
    Invalid { field: &'static str, reason: String },

    // --- persons and households (E-IDO-*) ---
    #[error("住民(ID {0})が見つかりません")]
    PersonNotFound(String),
    #[error("世帯(ID {0})が見つかりません")]
    HouseholdNotFound(String),
    #[error("住民(ID {0})は既に登録されています")]
    PersonExists(String),
    #[error("世帯(ID {0})は既に登録されています")]
    HouseholdExists(String),
    #[error("{name}さんは既に消除されています(除票)")]
    PersonRemoved { name: String },
    #[error("{name}さんは転出予定のため、この異動はできません")]
    PersonMovingOut { name: String },
    #[error("{name}さんは転出予定ではありません")]
    NotMovingOut { name: String },
    #[error("世帯主がいません。世帯主を1人指定してください")]
    NoHead,
    #[error("世帯主が複数指定されています。世帯主は1人です")]
    TwoHeads,
    #[error("世帯主の続柄は「世帯主」でなければなりません")]
    HeadRelationship,
    #[error("世帯主以外の人に「世帯主」の続柄は指定できません")]
    RelationshipIsHead,
    #[error("{name}さんの続柄が指定されていません")]
    RelationshipMissing { name: String },
    #[error("{name}さんは世帯主です。先に世帯主変更をしてください")]
    PersonIsHead { name: String },
    #[error("世帯主が世帯を離れるため、残る世帯員から新しい世帯主と続柄を指定してください")]
    HeadSuccessionRequired,
    #[error("指定された人は同じ世帯に属していません")]
    NotSameHousehold,
    #[error("世帯員全員を対象にすることはできません(世帯に残る人が必要です)")]
    HouseholdWouldBeEmpty,
    #[error("転居先と世帯の住所が一致しません")]
    AddressMismatch,
    #[error("同じ世帯が指定されています")]
    SameHousehold,
    #[error("世帯全員が転居する場合以外は、新しい世帯か加わる世帯を指定してください")]
    PartialMoveNeedsTarget,
    #[error("異動日({effective})が生年月日({birth})より前です")]
    BeforeBirth { effective: String, birth: String },
    /// 4.1.0.1: only a 転入 (or 国外からの転入) takes a child whose 出生届 comes with it,
    /// born on or before the 届出日.
    #[error(
        "出生届と同時の転入として入力できるのは、転入・国外からの転入で、届出日({notified})までに生まれた子です(生年月日 {birth})"
    )]
    WithBirth { notified: String, birth: String },
    /// 4.5.7: a 特別永住者証明書 is a 特別永住者's.
    #[error("{name}さんは特別永住者ではありません(特別永住者証明書の申請等は特別永住者のみです)")]
    NotSpecialPermanent { name: String },
    /// 4.5.7: the 交付 writes the new certificate's number; an application none.
    #[error("特別永住者証明書の番号は交付のときに入力します(申請・届出では入力しません)")]
    SpecialPermanentNumber,
    #[error(
        "{name}さんには、より後の日付({last})の異動が既に記録されています。遡った異動は職権修正で行ってください"
    )]
    OutOfOrder { name: String, last: String },
    #[error("出生の異動日は生年月日と同じでなければなりません")]
    BirthDateMismatch,
    #[error("{name}さんは外国人住民ではありません")]
    NotForeignResident { name: String },
    #[error("外国人住民に本籍・筆頭者は記載できません")]
    HonsekiOnForeign,
    #[error("在留資格「{status}」は{category}の区分では記載できません")]
    StatusCategoryMismatch { status: String, category: String },
    #[error("在留期間の満了日が必要です")]
    ExpiryRequired,
    #[error("{item}(その満了の日)が必要です")]
    PeriodEndRequired { item: &'static str },
    #[error("外国人住民となった年月日({since})は生年月日以後、異動日({effective})以前の日です")]
    ForeignResidentSince {
        since: NaiveDate,
        effective: NaiveDate,
    },
    #[error("認証者の期間が正しくありません: {reason}")]
    CertifierPeriod { reason: String },
    #[error("公印の画像を登録できません: {reason}")]
    SealImage { reason: String },
    #[error("固定文言「{phrase}」は登録されていません")]
    UnknownPhrase { phrase: String },
    /// コンビニ交付 (7.2.5): no current resident holds a card with this 利用者証明用電子証明書.
    #[error("このカードの利用者証明用電子証明書に該当する住民はいません")]
    KioskCardUnknown,
    /// コンビニ交付 (7.2.5): what only the counter may decide (the reason is not told).
    #[error("この証明書はコンビニ交付できません。市区町村の窓口で請求してください")]
    KioskRefused,
    /// コンビニ交付 (7.2.5): something a terminal does not issue.
    #[error("{what}はコンビニ交付では扱いません")]
    KioskItem { what: String },
    /// 券面記載 (7.1.1.3): nothing of this 異動 goes on this card.
    #[error("券面に記載できません: {reason}")]
    CardEndorsement { reason: String },
    /// 電子申請 (7.2.5): a signed application not accepted (the code says why).
    #[error("{reason}")]
    ElectronicApplication { code: &'static str, reason: String },
    /// 外字 (2.1.2): a registration that cannot be kept.
    #[error("外字を登録できません: {reason}")]
    GaijiRegistration { reason: String },
    /// 外字 (2.1.2): the character is registered already (as another 外字 or its 異体字).
    #[error("「{text}」はすでに登録されています(登録番号{id})。その登録を修正してください")]
    GaijiRegistered { text: String, id: i64 },
    /// 外字 (2.1.2): no registration with this number.
    #[error("登録番号{id}の外字は登録されていません")]
    NoGaiji { id: i64 },
    /// 印刷 (10.7): a printer registration that cannot be kept.
    #[error("プリンタを登録できません: {reason}")]
    PrinterRegistration { reason: String },
    /// 印刷 (10.7): a printer or tray not registered (or out of use).
    #[error("{what}は登録されていません(または使用を停止しています)")]
    NoPrinter { what: String },
    #[error("結果ファイルの{line}行目を読めません: {why}")]
    OutboundResultLine { line: usize, why: String },
    #[error(
        "送信番号{id}の市町村通知・市町村伝達はありません(または再送信できる状態ではありません)"
    )]
    OutboundItemNotFound { id: i64 },
    #[error("旧外登法による登録年月日({on})が外国人登録法の廃止(平成24年7月9日)より後です")]
    OldLawRegistrationTooLate { on: NaiveDate },
    #[error("{name}さんには通称が記載されていません")]
    NoAlias { name: String },
    #[error("修正前の値が現在の記録と一致しません(他の職員が先に修正した可能性があります)")]
    CorrectionStale,
    #[error("修正前と修正後の値が同じです")]
    CorrectionNoop,
    #[error(
        "軽微な修正は氏名又は住所の修正に限ります(「{item}」は職権修正又は誤記修正で修正してください)"
    )]
    MinorCorrectionItem { item: &'static str },
    #[error(
        "{name}さんの転出予定日({planned})を過ぎています。予定日到来による消除(日次処理)の後に転入通知を受理してください"
    )]
    MoveOutDue { name: String, planned: String },
    #[error("宛名番号{id}は除票にありません(再転入者は、その人の除票の宛名番号を指定してください)")]
    NotRemoved { id: String },
    #[error(
        "{name}さん(宛名番号{id})の除票と{item}が一致します。再転入者として、その宛名番号を指定して入力してください"
    )]
    ReturningResident {
        name: String,
        id: String,
        item: &'static str,
    },
    #[error("住民として記録されている{name}さん(宛名番号{id})と{item}が一致します")]
    AlreadyResident {
        name: String,
        id: String,
        item: &'static str,
    },
    #[error(
        "台帳番号{seq}の異動の後に、同じ人又は世帯の異動が記録されているため取り消せません(後の異動から順に取り消してください)"
    )]
    CancellationBlocked { seq: String },
    #[error("台帳番号{seq}の異動は取り消せません({reason})")]
    NotCancellable { seq: String, reason: &'static str },
    #[error("{name}さんは除票ではないため、除票用データベースに移行できません")]
    NotRemovedForArchive { name: String },
    #[error(
        "{name}さんの除票は消除から5年を経過していないため、除票用データベースに移行できません({from}から移行できます)"
    )]
    ArchiveTooEarly { name: String, from: String },
    #[error(
        "{name}さん(宛名番号{id})の除票は除票用データベースに移行済みです。住民記録データベースに戻してから入力してください"
    )]
    Archived { name: String, id: String },
    #[error("{name}さんの除票は除票用データベースにありません")]
    NotArchived { name: String },
    #[error("{name}さんには旧氏が記載されていません")]
    NoFormerSurname { name: String },
    #[error("{name}さんには旧氏が記載されています(別の旧氏にするときは旧氏の変更としてください)")]
    FormerSurnameExists { name: String },
    #[error("旧氏は日本人住民についてのみ記載できます")]
    FormerSurnameOnForeign,
    #[error("{name}さんは{needed}ではないため、{kind}を入力できません")]
    NationalityChangeNotApplicable {
        name: String,
        kind: &'static str,
        needed: &'static str,
    },
    #[error("日本人住民の記録に国籍・在留資格等の外国人住民の事項は記載できません")]
    ForeignItemsOnJapanese,
    #[error("{business}の事項が正しくありません: {reason}")]
    BusinessItems {
        business: &'static str,
        reason: String,
    },
    #[error(
        "{name}さんは法第30条の46転入・第30条の47届出の対象ではありません(中長期在留者・特別永住者・一時庇護許可者・仮滞在許可者に限ります)"
    )]
    NotArticle46Category { name: String },
    #[error("入管通知のファイルの{line}行目: {reason}")]
    NoticeLine { line: usize, reason: String },
    #[error("入管通知(番号{id})は処理済みか、見つかりません")]
    NoticeNotPending { id: i64 },
    #[error("在留カード等番号{card}の外国人住民は記録されていません")]
    NoticeSubjectUnknown { card: String },
    #[error("住所コード「{code}」は11桁の数字ではありません")]
    InvalidAddressCode { code: String },
    #[error("住所コード{code}は住所辞書にありません")]
    UnknownAddressCode { code: String },
    #[error("住所コード{code}の町字({town})は{on}に廃止されています")]
    AddressAbolished {
        code: String,
        town: String,
        on: NaiveDate,
    },
    #[error("住所「{place}」は住所コード{code}の町字「{town}」と一致しません")]
    AddressCodeMismatch {
        code: String,
        town: String,
        place: String,
    },
    #[error("住所カナ入力「{input}」はカナで、区切りは空白で入力してください")]
    AddressKana { input: String },
    #[error("{file}の{line}行目: {reason}")]
    AddressImportLine {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("方書(番号{id})は見つかりません")]
    KatagakiNotFound { id: i64 },
    /// 10.8: a CSV file's value that cannot be taken in.
    #[error("CSVの{line}行目「{column}」: {reason}")]
    IntakeLine {
        line: usize,
        column: String,
        reason: String,
    },
    /// 7.1.1.1: a line of the 住基ネット統一文字 conversion table that cannot be read.
    #[error("変換表の{line}行目を読めません: {why}")]
    CharMapLine { line: usize, why: String },
    /// 7.1.1.1: not a 住基ネット統一文字 code.
    #[error("「{text}」は住基ネット統一文字のコード(J+ と16進4桁、例: J+845B)ではありません")]
    JukiCode { text: String },
    /// 7.1.1.1: no CS item of that number in a state that allows what was asked.
    #[error("送信番号{id}の住基ネット電文はありません(またはその操作ができる状態ではありません)")]
    CsItemNotFound { id: i64 },
    /// 7.1.1.1: a resend of an item after which the person has newer information.
    #[error(
        "送信番号{id}の後に同じ人の電文({later})があるため、古い内容は再送信できません。最新の電文を再送信してください"
    )]
    CsResendStale { id: i64, later: i64 },
    /// 7.1.1.1: a supplement of a field that cannot be supplemented.
    #[error("「{field}」は補完できません(補完できる項目: 氏名・振り仮名・旧氏・住所)")]
    CsSupplementField { field: String },
    /// 4.1.1.3: no 転出証明書情報 received under that key (or it was used).
    #[error("転出証明書情報「{key}」は受信していないか、既に転入に使われています")]
    CsInboundNotFound { key: String },
    /// 4.3.1: no 住民票コード空きコード left to give.
    #[error(
        "住民票コードの空きコードがありません。住基ネット連携の画面でCSから空きコードを取得してください"
    )]
    NoFreeCode,
    /// 10.8: a CSV file that cannot be read as the layout says.
    #[error("CSVを取り込めません: {reason}")]
    IntakeFile { reason: String },
    /// 10.1: an item the EUC table does not have for this caller.
    #[error("「{table}」に項目「{item}」はありません(見ることのできない項目も含まれません)")]
    EucItem { table: &'static str, item: String },
    /// 10.1: a query the EUC data source cannot run.
    #[error("抽出条件を実行できません: {reason}")]
    EucQuery { reason: String },
    /// 10.1: a query that would change data or reach outside the data source.
    #[error("EUCでは抽出(SELECT)だけができます。データの変更や他のファイルの参照はできません")]
    EucForbidden,
    /// 10.1: a query that ran longer than it may.
    #[error("抽出が{seconds}秒を超えたため中止しました。条件を絞ってください")]
    EucTimeout { seconds: u64 },
    /// 10.1: a result larger than one extraction may be.
    #[error("抽出結果が{max}行を超えました。条件を絞るか、件数・集計で抽出してください")]
    EucTooMany { max: usize },
    #[error("{person}は{ward}の住民ではありません(この端末の異動は{ward}の住民に限られています)")]
    OutsideWard { ward: String, person: String },
    /// 区間異動 (1.1.13): the movers enter the new ward's register in a household with a
    /// new 世帯番号.
    #[error(
        "{from}から{to}への区間異動では世帯番号を新たに付番します。異動先の世帯を新しい世帯(または異動先区の既存の世帯)として入力してください"
    )]
    WardMoveNeedsNewHousehold { from: String, to: String },
    #[error("区間異動の異動元区と異動先区が同じです({ward})")]
    WardMoveSameWard { ward: String },
    /// 4.0.2: a 除票 of the 異動元区 asked for that the person's history does not hold.
    #[error("{person}に異動番号{seq}の区間異動による除票はありません")]
    WardRemovalNotFound { person: String, seq: i64 },
    #[error("メモが入力されていません")]
    MemoEmpty,
    #[error("メモは{max}文字以内で入力してください")]
    MemoTooLong { max: usize },
    #[error("メモ(番号{id})は見つからないか、削除されています")]
    MemoNotFound { id: i64 },
    #[error("メモ(番号{id})は{by}さんが先に修正しました。最新の内容を確認してから修正してください")]
    MemoStale { id: i64, by: String },
    #[error("本籍が「{word}」のときは筆頭者を記載できません(入力された筆頭者: {head})")]
    HonsekiWordWithHead { word: String, head: String },
    #[error("転居先が現住所と同じです(同じ番地の別の建物・部屋へは方書を変えて入力してください)")]
    SameAddress,
    #[error("「{item}」はこの記録にない項目のため修正できません")]
    CorrectionNotApplicable { item: &'static str },
    #[error("{what}({date})は生年月日({birth})より前にできません")]
    DateBeforeBirth {
        what: &'static str,
        date: String,
        birth: String,
    },
    #[error("転入前住所が必要です")]
    PreviousAddressRequired,
    #[error("対象者が指定されていません")]
    NoPersons,
    #[error("同じ人が2回指定されています")]
    DuplicatePerson,
    #[error(
        "世帯の内容が他の職員により変更されています(版 {expected} → 現在 {actual})。最新の内容を確認して、もう一度入力してください"
    )]
    Conflict { expected: u64, actual: u64 },
    #[error("{item}は記載できません({reason})")]
    CertificateItem { item: &'static str, reason: String },
    #[error("{name}さんの記録は{state}です。{kind}は交付できません")]
    CertificateRecord {
        name: String,
        state: &'static str,
        kind: &'static str,
    },
    #[error("{0}")]
    CertificateLayout(String),
    #[error("請求者の確認ができません: {0}")]
    CertificateRequester(String),
    /// 抑止: an error-level suppression holds this processing (3.1).
    #[error("{message}。処理するには抑止の一時解除が必要です")]
    Suppressed {
        process: crate::suppress::Process,
        message: String,
    },
    /// 排他制御: another staff member is entering a change of this record (10.3).
    #[error("{message}")]
    Locked { message: String },
    /// 排他制御: one staff member would hold more records than they may at once.
    #[error("同時に排他できる記録は{max}件までです。入力を終えた記録の画面を閉じてください")]
    TooManyLocks { max: usize },
}

impl DomainError {
    /// The stable machine code of this error (`E-AREA-NNN`).
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            InvalidLocalGovCode(_) => "E-CODE-001",
            InvalidJuminhyoCode(_) => "E-CODE-002",
            InvalidIndividualNumber => "E-CODE-003",
            InvalidPostalCode(_) => "E-CODE-004",
            UnknownCode { .. } => "E-CODE-005",
            RelationshipForm { .. } => "E-CODE-007",
            InvalidDate(_) => "E-DATE-001",
            LunarCalendarDate => "E-DATE-002",
            FutureDate { .. } => "E-DATE-003",
            EffectiveAfterNotified { .. } => "E-DATE-004",
            UnknownDateNotAllowed { .. } => "E-DATE-005",
            Missing { .. } => "E-INPUT-001",
            InvalidCharacter { .. } => "E-NAME-001",
            InvalidFurigana(_) => "E-NAME-002",
            TooLong { .. } => "E-INPUT-002",
            Invalid { .. } => "E-INPUT-003",
            PersonNotFound(_) => "E-IDO-001",
            HouseholdNotFound(_) => "E-IDO-002",
            PersonExists(_) => "E-IDO-003",
            HouseholdExists(_) => "E-IDO-004",
            PersonRemoved { .. } => "E-IDO-005",
            PersonMovingOut { .. } => "E-IDO-006",
            NotMovingOut { .. } => "E-IDO-007",
            NoHead => "E-IDO-010",
            TwoHeads => "E-IDO-011",
            HeadRelationship => "E-IDO-012",
            RelationshipIsHead => "E-IDO-013",
            RelationshipMissing { .. } => "E-IDO-014",
            PersonIsHead { .. } => "E-IDO-015",
            HeadSuccessionRequired => "E-IDO-016",
            NotSameHousehold => "E-IDO-017",
            HouseholdWouldBeEmpty => "E-IDO-018",
            AddressMismatch => "E-IDO-019",
            SameHousehold => "E-IDO-020",
            PartialMoveNeedsTarget => "E-IDO-021",
            BeforeBirth { .. } => "E-IDO-022",
            OutOfOrder { .. } => "E-IDO-023",
            BirthDateMismatch => "E-IDO-024",
            NotForeignResident { .. } => "E-IDO-031",
            HonsekiOnForeign => "E-IDO-033",
            StatusCategoryMismatch { .. } => "E-IDO-034",
            ExpiryRequired => "E-IDO-035",
            NoAlias { .. } => "E-IDO-036",
            CorrectionStale => "E-IDO-040",
            CorrectionNoop => "E-IDO-041",
            MinorCorrectionItem { .. } => "E-IDO-045",
            CorrectionNotApplicable { .. } => "E-IDO-046",
            DateBeforeBirth { .. } => "E-IDO-047",
            MoveOutDue { .. } => "E-IDO-048",
            SameAddress => "E-IDO-050",
            NoFormerSurname { .. } => "E-IDO-056",
            NotRemovedForArchive { .. } => "E-JOHYO-001",
            ArchiveTooEarly { .. } => "E-JOHYO-002",
            Archived { .. } => "E-JOHYO-003",
            NotArchived { .. } => "E-JOHYO-004",
            FormerSurnameExists { .. } => "E-IDO-057",
            FormerSurnameOnForeign => "E-IDO-058",
            CancellationBlocked { .. } => "E-IDO-054",
            NotCancellable { .. } => "E-IDO-055",
            ReturningResident { .. } => "E-IDO-051",
            NotRemoved { .. } => "E-IDO-052",
            NotAwaitingMoveInNotice { .. } => "E-IDO-059",
            LetterNotApplicable { .. } => "E-CERT-040",
            CertificateDisposed { .. } => "E-CERT-041",
            HouseholdHeadless { .. } => "E-IDO-060",
            HouseholdHasHead { .. } => "E-IDO-061",
            FormerNamesNotCarried { .. } => "E-IDO-062",
            PersonNotInEntry { .. } => "E-IDO-063",
            NationalityChangeNotApplicable { .. } => "E-IDO-064",
            ForeignItemsOnJapanese => "E-IDO-065",
            HonsekiWordWithHead { .. } => "E-IDO-066",
            NotArticle46Category { .. } => "E-IDO-067",
            PeriodEndRequired { .. } => "E-IDO-068",
            OldLawRegistrationTooLate { .. } => "E-IDO-069",
            ForeignResidentSince { .. } => "E-IDO-070",
            WithBirth { .. } => "E-IDO-071",
            NotSpecialPermanent { .. } => "E-IDO-072",
            SpecialPermanentNumber => "E-IDO-073",
            OutboundResultLine { .. } => "E-OUTBOX-001",
            CertifierPeriod { .. } => "E-CERT-030",
            SealImage { .. } => "E-CERT-031",
            UnknownPhrase { .. } => "E-CERT-032",
            ElectronicApplication { code, .. } => code,
            CardEndorsement { .. } => "E-CARD-001",
            KioskCardUnknown => "E-KIOSK-001",
            KioskRefused => "E-KIOSK-002",
            KioskItem { .. } => "E-KIOSK-003",
            GaijiRegistration { .. } => "E-GAIJI-001",
            GaijiRegistered { .. } => "E-GAIJI-002",
            NoGaiji { .. } => "E-GAIJI-003",
            PrinterRegistration { .. } => "E-PRINT-001",
            NoPrinter { .. } => "E-PRINT-002",
            OutboundItemNotFound { .. } => "E-OUTBOX-002",
            BusinessItems { .. } => "E-BIZ-001",
            NoticeLine { .. } => "E-NOTICE-001",
            NoticeNotPending { .. } => "E-NOTICE-002",
            NoticeSubjectUnknown { .. } => "E-NOTICE-003",
            InvalidAddressCode { .. } => "E-ADDR-001",
            UnknownAddressCode { .. } => "E-ADDR-002",
            AddressAbolished { .. } => "E-ADDR-003",
            AddressCodeMismatch { .. } => "E-ADDR-004",
            AddressKana { .. } => "E-ADDR-005",
            AddressImportLine { .. } => "E-ADDR-010",
            KatagakiNotFound { .. } => "E-ADDR-020",
            IntakeLine { .. } => "E-INTAKE-001",
            IntakeFile { .. } => "E-INTAKE-002",
            CharMapLine { .. } => "E-CS-001",
            JukiCode { .. } => "E-CS-002",
            CsItemNotFound { .. } => "E-CS-003",
            CsResendStale { .. } => "E-CS-004",
            CsSupplementField { .. } => "E-CS-005",
            NoFreeCode => "E-CS-008",
            CsInboundNotFound { .. } => "E-CS-009",
            EucItem { .. } => "E-EUC-001",
            EucQuery { .. } => "E-EUC-002",
            EucForbidden => "E-EUC-003",
            EucTimeout { .. } => "E-EUC-004",
            EucTooMany { .. } => "E-EUC-005",
            OutsideWard { .. } => "E-WARD-001",
            WardMoveNeedsNewHousehold { .. } => "E-WARD-002",
            WardMoveSameWard { .. } => "E-WARD-003",
            WardRemovalNotFound { .. } => "E-WARD-004",
            MemoEmpty => "E-MEMO-001",
            MemoTooLong { .. } => "E-MEMO-002",
            MemoNotFound { .. } => "E-MEMO-003",
            MemoStale { .. } => "E-MEMO-004",
            AlreadyResident { .. } => "E-IDO-053",
            PreviousAddressRequired => "E-IDO-042",
            NoPersons => "E-IDO-043",
            DuplicatePerson => "E-IDO-044",
            Conflict { .. } => "E-CONFLICT-001",
            CertificateItem { .. } => "E-CERT-001",
            CertificateRecord { .. } => "E-CERT-002",
            CertificateLayout(_) => "E-CERT-003",
            CertificateRequester(_) => "E-CERT-004",
            Suppressed { process, .. } => match process {
                crate::suppress::Process::Change => "E-SUPPRESS-001",
                crate::suppress::Process::Certificate => "E-SUPPRESS-002",
                crate::suppress::Process::Inquiry => "E-SUPPRESS-003",
            },
            Locked { .. } => "E-LOCK-001",
            TooManyLocks { .. } => "E-LOCK-002",
        }
    }
}
