//! Artists' top tracks, where the recommender reads them: the relational store's `tracks` table
//! (the default) or a DynamoDB table (`dynamodb://TABLE`, feature `dynamodb`).

use soundalike_core::{Catalog, Track};

use crate::{ArtistRow, Store, StoreError, TrackRow, redact};

/// Tracks kept per artist in a separate tracks store (more than any answer shows).
pub const TOP_TRACKS_KEPT: u32 = 5;

/// Where the top tracks live.
#[derive(Debug, Clone)]
pub enum TopTracks {
    /// The relational store's `tracks` table, written by [`Store::publish`].
    Store(Store),
    /// A DynamoDB table: partition key `artist_id`, sort key `rank`.
    #[cfg(feature = "dynamodb")]
    DynamoDb(soundalike_tracks_dynamodb::DynamoTracks),
}

impl TopTracks {
    /// Open the tracks store named by `url`: none (or the store's own URL) means `store`;
    /// `dynamodb://TABLE` a DynamoDB table, created if missing.
    pub async fn open(
        url: Option<&str>,
        store: &Store,
        store_url: &str,
    ) -> Result<Self, StoreError> {
        match url {
            None => Ok(Self::Store(store.clone())),
            Some(url) if url == store_url => Ok(Self::Store(store.clone())),
            #[cfg(feature = "dynamodb")]
            Some(url) if url.starts_with("dynamodb://") => {
                let table = &url["dynamodb://".len()..];
                if table.is_empty() || table.contains('/') {
                    return Err(StoreError::UnsupportedTracksUrl(redact(url)));
                }
                Ok(Self::DynamoDb(
                    soundalike_tracks_dynamodb::DynamoTracks::connect(table).await?,
                ))
            }
            Some(url) => Err(StoreError::UnsupportedTracksUrl(redact(url))),
        }
    }

    /// Write the catalog's top tracks (the relational store already has them from
    /// [`Store::publish`]). Returns the tracks written here.
    #[cfg_attr(not(feature = "dynamodb"), allow(unused_variables))]
    pub async fn publish(&self, catalog: &Catalog) -> Result<usize, StoreError> {
        match self {
            Self::Store(_) => Ok(0),
            #[cfg(feature = "dynamodb")]
            Self::DynamoDb(table) => {
                let rows: Vec<_> = top_tracks(catalog, TOP_TRACKS_KEPT as usize)
                    .into_iter()
                    .map(|(rank, t)| soundalike_tracks_dynamodb::TopTrack {
                        artist_id: t
                            .artist_id
                            .as_ref()
                            .map(|a| a.0.clone())
                            .unwrap_or_default(),
                        rank,
                        track_id: t.id.clone(),
                        name: t.name.clone(),
                        popularity: t.popularity.map(i64::from),
                    })
                    .collect();
                Ok(table.publish(&rows, TOP_TRACKS_KEPT).await?)
            }
        }
    }

    /// The first `limit` tracks of each of `artists`: (artist id, track), by artist then rank.
    #[cfg_attr(not(feature = "dynamodb"), allow(unused_variables))]
    pub async fn of_all(
        &self,
        artists: &[ArtistRow],
        limit: usize,
    ) -> Result<Vec<(String, TrackRow)>, StoreError> {
        match self {
            Self::Store(store) => store.top_tracks_of_all(limit).await,
            #[cfg(feature = "dynamodb")]
            Self::DynamoDb(table) => {
                let ids: Vec<String> = artists.iter().map(|a| a.artist_id.clone()).collect();
                let limit = limit.min(TOP_TRACKS_KEPT as usize);
                Ok(table
                    .top_tracks(&ids, limit)
                    .await?
                    .into_iter()
                    .map(|t| {
                        (
                            t.artist_id,
                            TrackRow {
                                track_id: t.track_id,
                                name: t.name,
                                popularity: t.popularity,
                            },
                        )
                    })
                    .collect())
            }
        }
    }

    /// What this is, for logs: `store` or `dynamodb://TABLE`.
    pub fn describe(&self) -> String {
        match self {
            Self::Store(store) => store.backend().to_string(),
            #[cfg(feature = "dynamodb")]
            Self::DynamoDb(table) => format!("dynamodb://{}", table.table()),
        }
    }
}

/// Each artist's `kept` most popular tracks with their rank (1 = first), by artist: the same
/// order as [`Store::top_tracks_of_all`] (popularity descending, unknown last, then track id).
pub fn top_tracks(catalog: &Catalog, kept: usize) -> Vec<(u32, &Track)> {
    let mut tracks: Vec<&Track> = catalog
        .tracks
        .iter()
        .filter(|t| t.artist_id.is_some())
        .collect();
    tracks.sort_by(|a, b| {
        (
            &a.artist_id,
            a.popularity.is_none(),
            std::cmp::Reverse(a.popularity),
            &a.id,
        )
            .cmp(&(
                &b.artist_id,
                b.popularity.is_none(),
                std::cmp::Reverse(b.popularity),
                &b.id,
            ))
    });
    let mut out = Vec::new();
    let mut rank = 0u32;
    let mut last: Option<&soundalike_core::ArtistId> = None;
    for t in tracks {
        if last != t.artist_id.as_ref() {
            last = t.artist_id.as_ref();
            rank = 0;
        }
        rank += 1;
        if rank as usize <= kept {
            out.push((rank, t));
        }
    }
    out
}
