//! For tests that talk to real servers (`scripts/services.sh` starts them and exports their
//! URLs): reading those URLs, and throwaway MySQL databases so parallel tests never share one.

use sqlx::Connection;

use crate::StoreError;

/// The server URL in `var`. Unset: `None` with a notice on stderr (the test skips), except under
/// CI (`CI` set), where a missing server is a failure, so this panics.
pub fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set under CI: source scripts/services.sh first")
        }
        _ => {
            eprintln!("skipped: {var} is not set (source scripts/services.sh to run this test)");
            None
        }
    }
}

/// A name no other test or run uses: `prefix_<pid>_<nanos>_<n>`.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A fresh MySQL database on the server of `server_url`; drop it with [`ScratchDatabase::drop`].
#[derive(Debug)]
pub struct ScratchDatabase {
    server_url: String,
    name: String,
    /// Its URL, for [`crate::Store::open_url`].
    pub url: String,
}

impl ScratchDatabase {
    /// Create a database with a unique name (utf8mb4, binary collation).
    pub async fn create(server_url: &str) -> Result<Self, StoreError> {
        let name = unique_name("sa_test");
        let url = with_database(server_url, &name);
        let mut admin = sqlx::MySqlConnection::connect(server_url).await?;
        // A database name cannot be a bound parameter; `name` is ours: [a-z0-9_] only.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )))
        .execute(&mut admin)
        .await?;
        admin.close().await?;
        Ok(Self {
            server_url: server_url.to_string(),
            name,
            url,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drop the database.
    pub async fn drop(self) -> Result<(), StoreError> {
        let mut admin = sqlx::MySqlConnection::connect(&self.server_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS `{}`",
            self.name
        )))
        .execute(&mut admin)
        .await?;
        admin.close().await?;
        Ok(())
    }
}

/// `url` with its database path replaced by `name` (query kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_is_swapped() {
        for (url, want) in [
            (
                "mysql://root@127.0.0.1:3306/soundalike_test",
                "mysql://root@127.0.0.1:3306/x",
            ),
            ("mysql://root@h", "mysql://root@h/x"),
            (
                "mysql://u:p@h/db?ssl-mode=disabled",
                "mysql://u:p@h/x?ssl-mode=disabled",
            ),
        ] {
            assert_eq!(super::with_database(url, "x"), want);
        }
    }
}
