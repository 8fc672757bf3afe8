//! The catalog's four tables and their Arrow schemas: `artists`, `tracks`, `audio_features`,
//! `playlist_tracks`. Column names follow the source table so SQL over the lake reads naturally.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Float32Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use soundalike_core::{Artist, ArtistId, AudioFeatures, Catalog, PlaylistMembership, Track};

use crate::{Lake, LakeError, Partition};

/// The catalog tables, in write order.
pub const TABLES: [&str; 4] = ["artists", "tracks", "audio_features", "playlist_tracks"];

pub(crate) fn text(values: impl IntoIterator<Item = Option<impl AsRef<str>>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<StringArray>())
}

fn f32s(values: impl IntoIterator<Item = Option<f32>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<Float32Array>())
}

fn i32s(values: impl IntoIterator<Item = Option<i32>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<Int32Array>())
}

pub(crate) fn batch(columns: Vec<(&str, ArrayRef, bool)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array, nullable)| Field::new(*name, array.data_type().clone(), *nullable))
        .collect();
    let arrays = columns.into_iter().map(|(_, a, _)| a).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("columns match the schema")
}

/// The record batches of a catalog, one per table in [`TABLES`] order.
pub fn catalog_batches(catalog: &Catalog) -> [RecordBatch; 4] {
    let a = &catalog.artists;
    let artists = batch(vec![
        ("artist_id", text(a.iter().map(|x| Some(&x.id.0))), false),
        ("name", text(a.iter().map(|x| Some(&x.name))), false),
        (
            "normalized_name",
            text(a.iter().map(|x| Some(&x.normalized_name))),
            false,
        ),
    ]);
    let t = &catalog.tracks;
    let tracks = batch(vec![
        ("track_id", text(t.iter().map(|x| Some(&x.id))), false),
        ("track_name", text(t.iter().map(|x| x.name.as_ref())), true),
        (
            "artist_id",
            text(t.iter().map(|x| x.artist_id.as_ref().map(|a| &a.0))),
            true,
        ),
        (
            "popularity",
            i32s(t.iter().map(|x| x.popularity.map(i32::from))),
            true,
        ),
        (
            "album_id",
            text(t.iter().map(|x| x.album_id.as_ref())),
            true,
        ),
        (
            "album_name",
            text(t.iter().map(|x| x.album_name.as_ref())),
            true,
        ),
        (
            "album_release_date",
            text(t.iter().map(|x| x.release_date.as_ref())),
            true,
        ),
        (
            "duration_ms",
            Arc::new(
                t.iter()
                    .map(|x| x.duration_ms.map(i64::from))
                    .collect::<Int64Array>(),
            ),
            true,
        ),
    ]);
    let f = |pick: fn(&AudioFeatures) -> Option<f32>| f32s(t.iter().map(|x| pick(&x.features)));
    let audio_features = batch(vec![
        ("track_id", text(t.iter().map(|x| Some(&x.id))), false),
        ("danceability", f(|x| x.danceability), true),
        ("energy", f(|x| x.energy), true),
        ("key", i32s(t.iter().map(|x| x.features.key)), true),
        ("loudness", f(|x| x.loudness), true),
        ("mode", i32s(t.iter().map(|x| x.features.mode)), true),
        ("speechiness", f(|x| x.speechiness), true),
        ("acousticness", f(|x| x.acousticness), true),
        ("instrumentalness", f(|x| x.instrumentalness), true),
        ("liveness", f(|x| x.liveness), true),
        ("valence", f(|x| x.valence), true),
        ("tempo", f(|x| x.tempo), true),
    ]);
    let m = &catalog.memberships;
    let playlist_tracks = batch(vec![
        (
            "playlist_id",
            text(m.iter().map(|x| Some(&x.playlist_id))),
            false,
        ),
        (
            "playlist_name",
            text(m.iter().map(|x| x.playlist_name.as_ref())),
            true,
        ),
        (
            "playlist_genre",
            text(m.iter().map(|x| x.genre.as_ref())),
            true,
        ),
        (
            "playlist_subgenre",
            text(m.iter().map(|x| x.subgenre.as_ref())),
            true,
        ),
        ("track_id", text(m.iter().map(|x| Some(&x.track_id))), false),
    ]);
    [artists, tracks, audio_features, playlist_tracks]
}

/// Typed access to one table's columns, failing with [`LakeError::Schema`].
pub(crate) struct Columns<'a> {
    table: &'a str,
    location: String,
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    pub(crate) fn get<T: Array + 'static>(
        &self,
        name: &str,
        kind: DataType,
    ) -> Result<&'a T, LakeError> {
        let schema_err = |reason: String| LakeError::Schema {
            table: self.table.to_string(),
            location: self.location.clone(),
            reason,
        };
        let column = self
            .batch
            .column_by_name(name)
            .ok_or_else(|| schema_err(format!("no column {name}")))?;
        if column.data_type() != &kind {
            return Err(schema_err(format!(
                "column {name} is {}, not {kind}",
                column.data_type()
            )));
        }
        Ok(column
            .as_any()
            .downcast_ref::<T>()
            .expect("type checked above"))
    }

    pub(crate) fn text(&self, name: &str) -> Result<&'a StringArray, LakeError> {
        self.get(name, DataType::Utf8)
    }

    fn f32(&self, name: &str) -> Result<&'a Float32Array, LakeError> {
        self.get(name, DataType::Float32)
    }

    fn i32(&self, name: &str) -> Result<&'a Int32Array, LakeError> {
        self.get(name, DataType::Int32)
    }
}

fn opt_str(a: &StringArray, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.value(i).to_string())
}

fn opt<T: arrow_array::ArrowPrimitiveType>(
    a: &arrow_array::PrimitiveArray<T>,
    i: usize,
) -> Option<T::Native> {
    a.is_valid(i).then(|| a.value(i))
}

pub(crate) fn columns<'b>(
    lake: &Lake,
    table: &'b str,
    partition: Partition,
    batch: &'b RecordBatch,
) -> Columns<'b> {
    Columns {
        table,
        location: lake
            .storage()
            .url_of(&Lake::partition_key(table, partition)),
        batch,
    }
}

impl Lake {
    /// Write every catalog table to one partition. Returns total bytes written.
    pub async fn write_catalog(
        &self,
        partition: Partition,
        catalog: &Catalog,
    ) -> Result<u64, LakeError> {
        let _writer = self.lock_writer()?;
        // Live tables first: a partition counts as complete once its catalog tables are
        // committed, and by then its live tables are too.
        let mut bytes = self.write_live_tables(partition, catalog).await?;
        for (table, batch) in TABLES.iter().zip(catalog_batches(catalog)) {
            bytes += self.write_table(table, partition, &batch).await?;
        }
        Ok(bytes)
    }

    /// Read the catalog from a partition (`None`: the newest complete one).
    pub async fn read_catalog(&self, partition: Option<Partition>) -> Result<Catalog, LakeError> {
        let partition = match partition {
            Some(p) => p,
            None => self
                .latest_complete_partition()
                .await?
                .ok_or_else(|| LakeError::Empty(self.storage().url().to_string()))?,
        };
        let mut catalog = Catalog::default();
        for b in self.read_table("artists", partition).await? {
            let c = columns(self, "artists", partition, &b);
            let (id, name, norm) = (
                c.text("artist_id")?,
                c.text("name")?,
                c.text("normalized_name")?,
            );
            for i in 0..b.num_rows() {
                catalog.artists.push(Artist {
                    id: ArtistId(id.value(i).to_string()),
                    name: name.value(i).to_string(),
                    normalized_name: norm.value(i).to_string(),
                });
            }
        }
        let mut features: HashMap<String, AudioFeatures> = HashMap::new();
        for b in self.read_table("audio_features", partition).await? {
            let c = columns(self, "audio_features", partition, &b);
            let id = c.text("track_id")?;
            let cols = [
                c.f32("danceability")?,
                c.f32("energy")?,
                c.f32("loudness")?,
                c.f32("speechiness")?,
                c.f32("acousticness")?,
                c.f32("instrumentalness")?,
                c.f32("liveness")?,
                c.f32("valence")?,
                c.f32("tempo")?,
            ];
            let (key, mode) = (c.i32("key")?, c.i32("mode")?);
            for i in 0..b.num_rows() {
                let v = |k: usize| opt(cols[k], i);
                features.insert(
                    id.value(i).to_string(),
                    AudioFeatures {
                        danceability: v(0),
                        energy: v(1),
                        key: opt(key, i),
                        loudness: v(2),
                        mode: opt(mode, i),
                        speechiness: v(3),
                        acousticness: v(4),
                        instrumentalness: v(5),
                        liveness: v(6),
                        valence: v(7),
                        tempo: v(8),
                    },
                );
            }
        }
        for b in self.read_table("tracks", partition).await? {
            let c = columns(self, "tracks", partition, &b);
            let (id, name, artist) = (
                c.text("track_id")?,
                c.text("track_name")?,
                c.text("artist_id")?,
            );
            let popularity = c.i32("popularity")?;
            let (album_id, album_name) = (c.text("album_id")?, c.text("album_name")?);
            let release = c.text("album_release_date")?;
            let duration: &Int64Array = c.get("duration_ms", DataType::Int64)?;
            for i in 0..b.num_rows() {
                let track_id = id.value(i).to_string();
                catalog.tracks.push(Track {
                    features: features.remove(&track_id).unwrap_or_default(),
                    id: track_id,
                    name: opt_str(name, i),
                    artist_id: opt_str(artist, i).map(ArtistId),
                    popularity: opt(popularity, i).and_then(|p| u8::try_from(p).ok()),
                    album_id: opt_str(album_id, i),
                    album_name: opt_str(album_name, i),
                    release_date: opt_str(release, i),
                    duration_ms: opt(duration, i).and_then(|d| u32::try_from(d).ok()),
                });
            }
        }
        for b in self.read_table("playlist_tracks", partition).await? {
            let c = columns(self, "playlist_tracks", partition, &b);
            let (pid, pname) = (c.text("playlist_id")?, c.text("playlist_name")?);
            let (genre, sub, track) = (
                c.text("playlist_genre")?,
                c.text("playlist_subgenre")?,
                c.text("track_id")?,
            );
            for i in 0..b.num_rows() {
                catalog.memberships.push(PlaylistMembership {
                    playlist_id: pid.value(i).to_string(),
                    playlist_name: opt_str(pname, i),
                    genre: opt_str(genre, i),
                    subgenre: opt_str(sub, i),
                    track_id: track.value(i).to_string(),
                });
            }
        }
        self.read_live_tables(partition, &mut catalog).await?;
        catalog.sort();
        Ok(catalog)
    }
}
