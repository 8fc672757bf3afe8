//! Lake round trips, replacement of a day's partition, and invisibility of temporary files.

use soundalike_lake::{DATA_FILE, Lake, Partition, TABLES};

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

#[test]
fn catalog_round_trips_through_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path());
    let day = Partition::parse("2026-01-02").unwrap();
    let catalog = small_catalog();
    lake.write_catalog(day, &catalog).unwrap();
    for table in TABLES {
        let file = dir.path().join(table).join("dt=2026-01-02").join(DATA_FILE);
        assert!(file.is_file(), "{}", file.display());
        // Parquet magic at both ends: a complete file, not a truncated one.
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    }
    assert_eq!(lake.read_catalog(Some(day)).unwrap(), catalog);
    assert_eq!(lake.read_catalog(None).unwrap(), catalog);
}

#[test]
fn rewriting_a_day_replaces_it_and_new_days_add_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path());
    let day = Partition::parse("2026-01-02").unwrap();
    let mut catalog = small_catalog();
    lake.write_catalog(day, &catalog).unwrap();
    // A stray older data file and a leftover temp file from a crashed writer.
    let part_dir = lake.partition_dir("tracks", day);
    std::fs::write(part_dir.join("part-old.parquet"), b"junk").unwrap();
    std::fs::write(part_dir.join(".part-00000.zstd.parquet.999.tmp"), b"half").unwrap();
    catalog.tracks.truncate(1);
    lake.write_catalog(day, &catalog).unwrap();
    let back = lake.read_catalog(Some(day)).unwrap();
    assert_eq!(back.tracks.len(), 1);
    let names: Vec<String> = std::fs::read_dir(&part_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(names, vec![DATA_FILE.to_string()]);

    let next = Partition::parse("2026-01-03").unwrap();
    lake.write_catalog(next, &small_catalog()).unwrap();
    assert_eq!(lake.partitions("artists"), vec![day, next]);
    assert_eq!(lake.latest_complete_partition(), Some(next));
    assert_eq!(lake.read_catalog(None).unwrap().tracks.len(), 3);
}

#[test]
fn an_incomplete_partition_is_not_read_as_latest() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path());
    let day = Partition::parse("2026-01-02").unwrap();
    lake.write_catalog(day, &small_catalog()).unwrap();
    // Only one table of a newer day exists (a run died after its first table).
    let batches = soundalike_lake::catalog_batches(&small_catalog());
    let later = Partition::parse("2026-02-01").unwrap();
    lake.write_table("artists", later, &batches[0]).unwrap();
    assert_eq!(lake.latest_complete_partition(), Some(day));
    let empty = Lake::new(dir.path().join("nothing"));
    assert!(
        empty
            .read_catalog(None)
            .unwrap_err()
            .to_string()
            .contains("run the pipeline")
    );
}
