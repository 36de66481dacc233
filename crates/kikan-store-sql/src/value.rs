//! Values bound to statements and read from rows: the few types kikan stores.
//!
//! Each engine converts its own values to and from these (the dialect seam); the
//! core maps rows to records through [`Row`] alone.

use chrono::{DateTime, NaiveDate, Utc};
use kikan_store::StoreError;
use std::borrow::Cow;
use std::sync::Arc;

/// A bound parameter or a read column. Parameters carry their type even when null,
/// so that PostgreSQL knows what a null `valid_to` is.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A null read from a row (its type is not known).
    Null,
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr;)*) => {
        $(impl From<$t> for Value {
            fn from($v: $t) -> Self {
                $e
            }
        })*
    };
}

value_from! {
    i64 => |v| Value::Int(Some(v));
    i32 => |v| Value::Int(Some(i64::from(v)));
    u32 => |v| Value::Int(Some(i64::from(v)));
    Option<i64> => |v| Value::Int(v);
    bool => |v| Value::Bool(v);
    String => |v| Value::Text(Some(v));
    &String => |v| Value::Text(Some(v.clone()));
    &str => |v| Value::Text(Some(v.to_string()));
    char => |v| Value::Text(Some(v.to_string()));
    Option<String> => |v| Value::Text(v);
    &Option<String> => |v| Value::Text(v.clone());
    Option<&str> => |v| Value::Text(v.map(str::to_string));
    NaiveDate => |v| Value::Date(Some(v));
    Option<NaiveDate> => |v| Value::Date(v);
    DateTime<Utc> => |v| Value::Time(Some(v));
    Option<DateTime<Utc>> => |v| Value::Time(v);
}

impl Value {
    /// True for a null of any type.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Value::Null
                | Value::Int(None)
                | Value::Text(None)
                | Value::Date(None)
                | Value::Time(None)
        )
    }
}

/// A statement in the core's dialect (PostgreSQL's: `$1` placeholders, `::jsonb` on
/// JSON parameters, `FOR UPDATE` locks) with its parameters. Engines translate the
/// text where their dialect differs (see `kikan-store-sqlite`).
#[derive(Debug, Clone)]
pub struct Q {
    pub sql: Cow<'static, str>,
    pub args: Vec<Value>,
}

impl Q {
    pub fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        Q {
            sql: sql.into(),
            args: Vec::new(),
        }
    }

    /// Binds the next parameter.
    pub fn arg(mut self, v: impl Into<Value>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Binds a parameter while building the text: returns its placeholder (`$n`).
    pub fn param(&mut self, v: impl Into<Value>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    /// Appends text to a statement being built.
    pub fn push(&mut self, text: &str) {
        self.sql.to_mut().push_str(text);
    }
}

/// A value read as a Rust type, whichever way the engine stores it (SQLite keeps
/// dates and times as text and booleans as integers).
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(Some(n)) => Some(*n),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(Some(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Int(Some(n)) => Some(*n != 0),
            _ => None,
        }
    }
}

impl FromValue for NaiveDate {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Date(Some(d)) => Some(*d),
            Value::Text(Some(s)) => NaiveDate::parse_from_str(s, "%F").ok(),
            _ => None,
        }
    }
}

impl FromValue for DateTime<Utc> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Time(Some(t)) => Some(*t),
            Value::Text(Some(s)) => parse_time(s),
            _ => None,
        }
    }
}

/// Times stored as text: RFC 3339, or the `YYYY-MM-DD HH:MM:SS[.f][+hh:mm]` form that
/// earlier SQLite rows hold.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%F %T%.f%:z") {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%F %T%.f")
        .ok()
        .map(|t| t.and_utc())
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        if v.is_null() {
            Some(None)
        } else {
            T::from_value(v).map(Some)
        }
    }
}

/// One result row: column names (shared by the rows of one result) and values.
#[derive(Debug, Clone)]
pub struct Row {
    cols: Arc<[String]>,
    vals: Vec<Value>,
}

impl Row {
    pub fn new(cols: Arc<[String]>, vals: Vec<Value>) -> Self {
        Row { cols, vals }
    }

    fn value(&self, col: &str) -> Result<&Value, StoreError> {
        self.cols
            .iter()
            .position(|c| c == col)
            .and_then(|i| self.vals.get(i))
            .ok_or_else(|| StoreError::Database(format!("no column {col} in the result")))
    }

    /// The column as `T`; a value of another type is [`StoreError::Corrupt`].
    pub fn get<T: FromValue>(&self, col: &str) -> Result<T, StoreError> {
        let v = self.value(col)?;
        T::from_value(v).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "column {col} holds {v:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }

    /// A text column, moved out of the row (an extracted document is passed on
    /// without a copy).
    pub fn take_text(&mut self, col: &str) -> Result<String, StoreError> {
        let i = self
            .cols
            .iter()
            .position(|c| c == col)
            .ok_or_else(|| StoreError::Database(format!("no column {col} in the result")))?;
        match self.vals.get_mut(i) {
            Some(Value::Text(s @ Some(_))) => Ok(s.take().unwrap_or_default()),
            v => Err(StoreError::Corrupt(format!(
                "column {col} holds {v:?}, not text"
            ))),
        }
    }

    /// A text column, borrowed (stored documents are read without a copy).
    pub fn text(&self, col: &str) -> Result<&str, StoreError> {
        match self.value(col)? {
            Value::Text(Some(s)) => Ok(s),
            v => Err(StoreError::Corrupt(format!(
                "column {col} holds {v:?}, not text"
            ))),
        }
    }
}
