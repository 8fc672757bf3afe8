//! MySQL over TLS (rustls): against a MariaDB that accepts only encrypted connections and whose
//! certificate a test CA signed (`scripts/services/tls-mariadb.sh`), the store connects with the
//! URL's `ssl-mode` and `ssl-ca`, verifies the server, migrates and publishes; a plain
//! connection and an unverifiable certificate are refused.

use soundalike_core::names::{artist_id_for, normalize_name};
use soundalike_core::{Artist, Catalog};
use soundalike_store::Store;
use soundalike_store::testing::{ScratchDatabase, server_url};
use sqlx::Connection;

fn with_query(url: &str, query: &str) -> String {
    format!("{url}{}{query}", if url.contains('?') { '&' } else { '?' })
}

#[tokio::test]
async fn the_store_talks_to_mysql_over_verified_tls() {
    let Some(url) = server_url("SOUNDALIKE_TEST_MYSQL_TLS_URL") else {
        return;
    };
    let ca = std::env::var("SOUNDALIKE_TEST_MYSQL_TLS_CA")
        .expect("SOUNDALIKE_TEST_MYSQL_TLS_CA is set with the URL");
    // The certificate chain and the host name (127.0.0.1, in the certificate's names) checked.
    let verified = with_query(&url, &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"));

    let mut connection = sqlx::MySqlConnection::connect(&verified).await.unwrap();
    let (_, cipher): (String, String) = sqlx::query_as("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert!(!cipher.is_empty(), "the session is encrypted");
    connection.close().await.unwrap();

    let database = ScratchDatabase::create(&verified).await.unwrap();
    let store = Store::open_url(&database.url).await.unwrap();
    let mut catalog = Catalog::default();
    for name in ["아이유", "Coldplay"] {
        catalog.artists.push(Artist {
            id: artist_id_for(name),
            name: name.into(),
            normalized_name: normalize_name(name),
        });
    }
    store.publish(&catalog, &[]).await.unwrap();
    let names: Vec<String> = store
        .artists()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"아이유".to_string()));
    store.close().await;
    database.drop().await.unwrap();

    // The server refuses plain text, so a connection without TLS fails...
    let plain = Store::open_url(&with_query(&url, "ssl-mode=DISABLED")).await;
    assert!(plain.is_err(), "a plain connection must be refused");
    // ...and a server certificate no trusted root signed is refused when verification is asked
    // for without the test CA (public roots only).
    let unverifiable = Store::open_url(&with_query(&url, "ssl-mode=VERIFY_CA")).await;
    assert!(
        unverifiable.is_err(),
        "an unverifiable certificate must be refused"
    );
    // Encryption without verification (`REQUIRED`) connects.
    let required = Store::open_url(&with_query(&url, "ssl-mode=REQUIRED"))
        .await
        .unwrap();
    required.close().await;
}
