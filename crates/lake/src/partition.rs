//! Daily Hive partitions: `dt=YYYY-MM-DD`.

use time::{
    Date, OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description,
};

const FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// One day's partition of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Partition(pub Date);

impl Partition {
    /// Today's partition, in UTC.
    pub fn today() -> Self {
        Self(OffsetDateTime::now_utc().date())
    }

    /// Parse `YYYY-MM-DD`.
    pub fn parse(day: &str) -> Option<Self> {
        Date::parse(day, FORMAT).ok().map(Self)
    }

    /// `dt=YYYY-MM-DD`.
    pub fn dir_name(&self) -> String {
        format!("dt={self}")
    }

    /// Parse a folder name `dt=YYYY-MM-DD`.
    pub fn from_dir_name(name: &str) -> Option<Self> {
        Self::parse(name.strip_prefix("dt=")?)
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.format(FORMAT).map_err(|_| std::fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_its_folder_name() {
        let p = Partition::parse("2026-11-24").unwrap();
        assert_eq!(p.dir_name(), "dt=2026-11-24");
        assert_eq!(Partition::from_dir_name("dt=2026-11-24"), Some(p));
        assert_eq!(Partition::from_dir_name("dt=2026-13-01"), None);
        assert_eq!(Partition::from_dir_name("x=2026-11-24"), None);
    }
}
