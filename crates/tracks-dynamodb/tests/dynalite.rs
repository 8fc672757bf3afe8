//! The top-tracks table against a real DynamoDB API (dynalite, started by
//! `scripts/services.sh`, which exports `SOUNDALIKE_TEST_DYNAMODB_ENDPOINT`). Without it the
//! tests are skipped with a notice, except under CI, where they fail.

use soundalike_tracks_dynamodb::{DynamoTracks, TopTrack};

/// A fresh table on the test server, or `None` (skip) when no server is configured.
async fn table() -> Option<DynamoTracks> {
    let endpoint = match std::env::var("SOUNDALIKE_TEST_DYNAMODB_ENDPOINT") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var_os("CI").is_some() => {
            panic!("SOUNDALIKE_TEST_DYNAMODB_ENDPOINT is not set under CI")
        }
        _ => {
            eprintln!("skipped: SOUNDALIKE_TEST_DYNAMODB_ENDPOINT is not set");
            return None;
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("sa_test_{}_{nanos}", std::process::id());
    Some(DynamoTracks::connect_local(&name, &endpoint).await.unwrap())
}

fn track(artist: &str, rank: u32, name: Option<&str>, popularity: Option<i64>) -> TopTrack {
    TopTrack {
        artist_id: artist.into(),
        rank,
        track_id: format!("{artist}-{rank}"),
        name: name.map(String::from),
        popularity,
    }
}

#[tokio::test]
async fn tracks_round_trip_by_rank_with_korean_and_emoji() {
    let Some(table) = table().await else { return };
    let written = vec![
        track("nm_iu", 1, Some("밤편지 🌙"), Some(80)),
        track("nm_iu", 2, Some("Beyonce\u{301} ✨"), None),
        track("nm_iu", 3, None, Some(3)),
        track("nm_bts", 1, Some("봄날"), Some(90)),
    ];
    assert_eq!(table.publish(&written, 5).await.unwrap(), 4);
    let read = table
        .top_tracks(&["nm_iu".into(), "nm_none".into(), "nm_bts".into()], 2)
        .await
        .unwrap();
    assert_eq!(
        read,
        vec![written[0].clone(), written[1].clone(), written[3].clone()]
    );
    assert_eq!(table.item_count().await.unwrap(), 4);
    table.delete_table().await.unwrap();
}

#[tokio::test]
async fn republishing_overwrites_and_leaves_no_stale_ranks() {
    let Some(table) = table().await else { return };
    // Enough artists for many 25-item batches, several in flight.
    let many: Vec<TopTrack> = (0..400)
        .flat_map(|a| (1..=3).map(move |r| track(&format!("nm_{a}"), r, Some("x"), Some(1))))
        .collect();
    table.publish(&many, 3).await.unwrap();
    table.publish(&many, 3).await.unwrap();
    assert_eq!(
        table.item_count().await.unwrap(),
        1200,
        "same keys overwrite"
    );

    // An artist now has one track: its ranks 2 and 3 go away; a renamed track is updated.
    let fewer = vec![track("nm_0", 1, Some("renamed"), Some(2))];
    table.publish(&fewer, 3).await.unwrap();
    assert_eq!(table.item_count().await.unwrap(), 1198);
    let read = table.top_tracks(&["nm_0".into()], 3).await.unwrap();
    assert_eq!(read, fewer);
    table.delete_table().await.unwrap();
}

#[tokio::test]
async fn connecting_to_an_existing_table_keeps_its_items() {
    let Some(table) = table().await else { return };
    table
        .publish(&[track("nm_a", 1, Some("a"), None)], 1)
        .await
        .unwrap();
    let endpoint = std::env::var("SOUNDALIKE_TEST_DYNAMODB_ENDPOINT").unwrap();
    let again = DynamoTracks::connect_local(table.table(), &endpoint)
        .await
        .unwrap();
    assert_eq!(again.item_count().await.unwrap(), 1);
    again.delete_table().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_clear_error() {
    let err = DynamoTracks::connect_local("t", "http://127.0.0.1:1")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("DescribeTable") && err.contains("table t"),
        "{err}"
    );
}
