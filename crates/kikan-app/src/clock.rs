//! The registry's calendar: dates are Japan's (UTC+9, no daylight saving).

use chrono::NaiveDate;
use std::sync::Arc;

/// Today in Japan Standard Time.
pub fn japan_today() -> NaiveDate {
    japan_day(chrono::Utc::now())
}

/// The day in Japan Standard Time of an instant.
pub fn japan_day(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (at + chrono::Duration::hours(9)).date_naive()
}

/// Where "today" comes from: Japan's calendar, or a fixed day (tests, rehearsals).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> NaiveDate + Send + Sync>);

impl Clock {
    /// Today in Japan.
    pub fn japan() -> Self {
        Clock(Arc::new(japan_today))
    }
    /// Always this day.
    pub fn fixed(day: NaiveDate) -> Self {
        Clock(Arc::new(move || day))
    }
    /// Whatever `day` says (a rehearsal that moves through the calendar).
    pub fn from_fn(day: impl Fn() -> NaiveDate + Send + Sync + 'static) -> Self {
        Clock(Arc::new(day))
    }
    pub fn today(&self) -> NaiveDate {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::japan()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.today())
    }
}
