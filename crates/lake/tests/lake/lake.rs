//! Lake round trips, replacement of a day's partition, and invisibility of uncommitted files, on a
//! local folder and on the S3 test server (each test runs on both).

use soundalike_lake::test_support::s3_lake;
use soundalike_lake::{Lake, MANIFEST, Partition, TABLES};

fn small_catalog() -> soundalike_core::Catalog {
    let text = "track_id,track_name,track_artist,track_popularity,track_album_id,track_album_name,track_album_release_date,playlist_name,playlist_id,playlist_genre,playlist_subgenre,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms
t1,Song,아이유,66,a1,Album,2019-06-14,PL,p1,pop,dance pop,0.748,0.916,6,-2.634,1,0.0583,0.102,0,0.0653,0.518,122.036,194754
t1,Song,아이유,66,a1,Album,2019-06-14,PL2,p2,pop,electropop,0.748,0.916,6,-2.634,1,0.0583,0.102,0,0.0653,0.518,122.036,194754
t2,NA,NA,NA,NA,NA,NA,PL,p1,pop,dance pop,NA,0.5,NA,-5,NA,0.1,0.2,0.3,0.4,0.5,100,NA
t3,🎵 Emoji,Beyoncé,12,a2,B,2001,PL,p1,pop,dance pop,0.1,0.2,1,-3,0,0.1,0.2,0.3,0.4,0.5,90,1000
";
    soundalike_sources::dataset::import_reader(text.as_bytes(), "t")
        .unwrap()
        .catalog
}

/// A local lake (its folder lives as long as the guard) and, when the S3 test server is up, an
/// S3 lake under a fresh prefix.
fn lakes(test: &str) -> (Vec<Lake>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut lakes = vec![Lake::open(dir.path().to_str().unwrap()).unwrap()];
    lakes.extend(s3_lake(test).map(|s3| s3.lake()));
    (lakes, dir)
}

/// Every key in a partition, relative to it.
async fn keys(lake: &Lake, table: &str, day: Partition) -> Vec<String> {
    let dir = Lake::partition_key(table, day);
    let mut keys: Vec<String> = lake
        .storage()
        .list(&format!("{dir}/"))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key.strip_prefix(&format!("{dir}/")).unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn catalog_round_trips_through_parquet() {
    let (lakes, _dir) = lakes("round-trip");
    for lake in lakes {
        let day = Partition::parse("2026-01-02").unwrap();
        let catalog = small_catalog();
        lake.write_catalog(day, &catalog).await.unwrap();
        for table in TABLES {
            let files = lake.committed_files(table, day).await.unwrap();
            assert_eq!(files.len(), 1, "{table} at {}", lake.storage().url());
            let bytes = lake.storage().get(&files[0].key).await.unwrap().unwrap();
            // Parquet magic at both ends: a complete file, not a truncated one.
            assert_eq!(&bytes[..4], b"PAR1");
            assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
            assert_eq!(bytes.len() as u64, files[0].bytes);
            let data_file = files[0].key.rsplit('/').next().unwrap().to_string();
            assert_eq!(
                keys(&lake, table, day).await,
                vec![MANIFEST.to_string(), data_file]
            );
        }
        assert_eq!(lake.read_catalog(Some(day)).await.unwrap(), catalog);
        assert_eq!(lake.read_catalog(None).await.unwrap(), catalog);
    }
}

#[tokio::test]
async fn rewriting_a_day_replaces_it_and_new_days_add_partitions() {
    let (lakes, _dir) = lakes("rewrite");
    for lake in lakes {
        let day = Partition::parse("2026-01-02").unwrap();
        let mut catalog = small_catalog();
        lake.write_catalog(day, &catalog).await.unwrap();
        let first = lake.committed_files("tracks", day).await.unwrap();
        // The same data again gives the same file.
        lake.write_catalog(day, &catalog).await.unwrap();
        assert_eq!(lake.committed_files("tracks", day).await.unwrap(), first);
        // A stray data file and a leftover of a killed writer.
        let dir = Lake::partition_key("tracks", day);
        let stray = format!("{dir}/part-old.parquet");
        lake.storage().put(&stray, "junk".into()).await.unwrap();
        catalog.tracks.truncate(1);
        lake.write_catalog(day, &catalog).await.unwrap();
        let back = lake.read_catalog(Some(day)).await.unwrap();
        assert_eq!(back.tracks.len(), 1);
        let now = lake.committed_files("tracks", day).await.unwrap();
        assert_ne!(now, first, "new content, new file");
        let data_file = now[0].key.rsplit('/').next().unwrap().to_string();
        assert_eq!(
            keys(&lake, "tracks", day).await,
            vec![MANIFEST.to_string(), data_file],
            "the superseded and the stray files are gone"
        );

        let next = Partition::parse("2026-01-03").unwrap();
        lake.write_catalog(next, &small_catalog()).await.unwrap();
        assert_eq!(lake.partitions("artists").await.unwrap(), vec![day, next]);
        assert_eq!(lake.latest_complete_partition().await.unwrap(), Some(next));
        assert_eq!(lake.read_catalog(None).await.unwrap().tracks.len(), 3);
    }
}

#[tokio::test]
async fn uncommitted_files_are_invisible_and_incomplete_days_are_not_latest() {
    let (lakes, _dir) = lakes("uncommitted");
    for lake in lakes {
        let day = Partition::parse("2026-01-02").unwrap();
        lake.write_catalog(day, &small_catalog()).await.unwrap();
        // A writer died after its data file, before the manifest: the partition does not exist.
        let later = Partition::parse("2026-02-01").unwrap();
        let orphan = format!(
            "{}/part-0123.zstd.parquet",
            Lake::partition_key("tracks", later)
        );
        lake.storage().put(&orphan, "half".into()).await.unwrap();
        assert_eq!(lake.partitions("tracks").await.unwrap(), vec![day]);
        assert!(matches!(
            lake.read_table("tracks", later).await,
            Err(soundalike_lake::LakeError::NotCommitted { .. })
        ));
        // Only one table of a newer day is committed (a run died after its first table).
        let batches = soundalike_lake::catalog_batches(&small_catalog());
        lake.write_table("artists", later, &batches[0])
            .await
            .unwrap();
        assert_eq!(lake.latest_complete_partition().await.unwrap(), Some(day));
        assert_eq!(lake.read_catalog(None).await.unwrap(), small_catalog());
    }
    let dir = tempfile::tempdir().unwrap();
    let empty = Lake::open(dir.path().join("nothing").to_str().unwrap()).unwrap();
    let error = empty.read_catalog(None).await.unwrap_err().to_string();
    assert!(error.contains("run the pipeline"), "{error}");
}

#[tokio::test]
async fn a_local_writer_killed_mid_put_leaves_nothing_after_the_next_commit() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let day = Partition::parse("2026-01-02").unwrap();
    let folder = dir.path().join(Lake::partition_key("tracks", day));
    std::fs::create_dir_all(&folder).unwrap();
    // What object_store's local put and the older lake writer leave when killed.
    std::fs::write(folder.join("part-1.zstd.parquet#3"), b"half").unwrap();
    std::fs::write(folder.join(".part-00000.zstd.parquet.999.tmp"), b"half").unwrap();
    lake.write_catalog(day, &small_catalog()).await.unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], MANIFEST);
    assert!(names[1].starts_with("part-") && names[1].ends_with(".zstd.parquet"));
}

#[test]
fn bad_locations_are_refused_with_a_reason() {
    let error = Lake::open("ftp://host/lake").unwrap_err().to_string();
    assert!(error.contains("s3://"), "{error}");
    let error = Lake::open("s3://").unwrap_err().to_string();
    assert!(error.contains("no bucket"), "{error}");
}

#[test]
fn concurrent_writers_of_a_local_lake_take_turns() {
    // Two writers (a chat server's background refresh and a scheduled `pipeline run`, say)
    // write different catalogs to the same day. Without the writer lock, one's cleanup deletes
    // the other's fresh file before its manifest names it, and tables mix the two catalogs.
    let dir = tempfile::tempdir().unwrap();
    let day = Partition::parse("2026-01-02").unwrap();
    let full = small_catalog();
    let mut short = small_catalog();
    short.tracks.truncate(1);
    let writers: Vec<_> = [full.clone(), short.clone()]
        .into_iter()
        .map(|catalog| {
            let root = dir.path().to_str().unwrap().to_string();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                let lake = Lake::open(&root).unwrap();
                for _ in 0..25 {
                    runtime.block_on(lake.write_catalog(day, &catalog)).unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let back = runtime.block_on(lake.read_catalog(Some(day))).unwrap();
    assert!(back == full || back == short, "tables mix the two writers");
    for table in TABLES {
        let keys = runtime.block_on(keys(&lake, table, day));
        assert_eq!(keys.len(), 2, "{table}: {keys:?}");
    }
}
