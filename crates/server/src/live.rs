//! Unknown artists answered from live sources: [`LiveArtists`] implements the chat engine's
//! [`LiveLookup`] over `soundalike_live` (Spotify first, Deezer otherwise), storing every body in
//! the raw lake, and queues a background crawl of each artist it found so `ingest`/`pipeline run
//! --source lake` can bring it into the similarity marts.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use soundalike_chat::LiveLookup;
use soundalike_core::names::artist_id_for;
use soundalike_live::Sources;
use soundalike_live::crawl::{CrawlOptions, crawl};
use soundalike_live::merge::pick;
use soundalike_recommend::{ArtistRef, TrackRef};
use tokio::sync::mpsc;

/// Live lookups over configured sources, with a background crawl queue.
pub struct LiveArtists {
    sources: Sources,
    queue: mpsc::UnboundedSender<String>,
}

impl LiveArtists {
    /// Look up through `sources`; crawl found artists into the lake at `lake_dir` in the
    /// background (one at a time, depth 1).
    pub fn start(sources: Sources, lake_dir: PathBuf) -> Self {
        let (queue, mut names) = mpsc::unbounded_channel::<String>();
        let crawler = sources.clone();
        tokio::spawn(async move {
            while let Some(name) = names.recv().await {
                let options = CrawlOptions {
                    seeds: vec![name.clone()],
                    depth: 1,
                    max_artists: 20,
                    checkpoint: "chat".into(),
                    ..CrawlOptions::default()
                };
                match crawl(&crawler, &lake_dir, &options).await {
                    Ok(s) => {
                        tracing::info!(artist = %name, fetched = s.fetched, failures = s.failures.len(), "background crawl done")
                    }
                    Err(error) => tracing::warn!(artist = %name, %error, "background crawl failed"),
                }
            }
        });
        Self { sources, queue }
    }

    async fn find(&self, name: &str) -> Option<ArtistRef> {
        if let Some(spotify) = &self.sources.spotify {
            let hits = spotify.search_artists(name, 5).await.ok()?;
            let artist = pick(&hits, name, |a| &a.name)?.clone();
            let tracks = match spotify.top_tracks(&artist.id, "US").await {
                Ok(t) => t,
                Err(_) => spotify
                    .search_tracks_by(&artist.name)
                    .await
                    .unwrap_or_default(),
            };
            let tracks = tracks.into_iter().map(|t| TrackRef {
                url: soundalike_core::spotify_track_url(&t.id),
                id: t.id,
                name: t.name,
            });
            return Some(artist_ref(artist.name, tracks.collect()));
        }
        if let Some(deezer) = &self.sources.deezer {
            let hits = deezer.search_artist(name).await.ok()?;
            let artist = pick(&hits, name, |a| &a.name)?.clone();
            let tracks = deezer.top(artist.id, 10).await.unwrap_or_default();
            let tracks = tracks.into_iter().map(|t| TrackRef {
                url: format!("https://www.deezer.com/track/{}", t.id),
                id: format!("deezer:{}", t.id),
                name: t.title,
            });
            return Some(artist_ref(artist.name, tracks.collect()));
        }
        None
    }
}

/// A live-found artist as the chat engine shows it, under the id the dataset import would give it.
fn artist_ref(name: String, tracks: Vec<TrackRef>) -> ArtistRef {
    ArtistRef {
        id: artist_id_for(&name).0,
        track_count: tracks.len() as i64,
        name,
        tracks,
    }
}

impl LiveLookup for LiveArtists {
    fn lookup<'a>(
        &'a self,
        name: &'a str,
    ) -> Pin<Box<dyn Future<Output = Option<ArtistRef>> + Send + 'a>> {
        Box::pin(self.find(name))
    }

    fn enqueue(&self, name: &str) {
        let _ = self.queue.send(name.to_string());
    }
}
