//! Each live source's JSON on any body: replayed from the raw zone (`merge::Merger::apply`, what
//! `lake rebuild` and the crawl run on every stored Spotify, Deezer, Last.fm and ReccoBeats
//! body) and decoded as ListenBrainz's shapes (which are read, not replayed): never panics. The
//! first byte picks the source and endpoint.
#![no_main]

use soundalike_lake::raw::RawRecord;
use soundalike_live::merge::Merger;

const ENDPOINTS: [(&str, &str, &str); 14] = [
    ("spotify", "search", "https://api.spotify.com/v1/search?q=artist%3AIU&type=artist"),
    ("spotify", "search", "https://api.spotify.com/v1/search?q=artist%3A%22IU%22&type=track"),
    ("spotify", "artist", "https://api.spotify.com/v1/artists/a"),
    ("spotify", "artists", "https://api.spotify.com/v1/artists?ids=a,b"),
    ("spotify", "top-tracks", "https://api.spotify.com/v1/artists/a/top-tracks?market=US"),
    ("spotify", "related-artists", "https://api.spotify.com/v1/artists/a/related-artists"),
    ("spotify", "audio-features", "https://api.spotify.com/v1/audio-features?ids=t1,t2"),
    ("deezer", "search-artist", "https://api.deezer.com/search/artist?q=IU"),
    ("deezer", "artist", "https://api.deezer.com/artist/1"),
    ("deezer", "top", "https://api.deezer.com/artist/1/top?limit=10"),
    ("deezer", "related", "https://api.deezer.com/artist/1/related"),
    ("lastfm", "similar", "https://ws.audioscrobbler.com/2.0/?method=artist.getsimilar&artist=IU"),
    ("reccobeats", "audio-features", "https://api.reccobeats.com/v1/audio-features?ids=t1"),
    ("listenbrainz", "similar-artists", "https://labs.api.listenbrainz.org/similar-artists/json"),
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (source, endpoint, url) = ENDPOINTS[pick as usize % ENDPOINTS.len()];
    if source == "listenbrainz" {
        use soundalike_live::listenbrainz::{Recording, SimilarArtist};
        let _ = serde_json::from_slice::<Vec<SimilarArtist>>(body);
        let _ = serde_json::from_slice::<Vec<Recording>>(body);
        return;
    }
    let record = RawRecord {
        source: source.into(),
        endpoint: endpoint.into(),
        url: url.into(),
        body: body.to_vec(),
        path: "fuzz".into(),
    };
    let mut merger = Merger::new();
    let _ = merger.apply(&record);
    let _ = merger.into_catalog();
});
