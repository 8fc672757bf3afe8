//! The Kakao SkillPayload parser on any bytes, the conversation context Kakao sends back
//! included: never panics; a parsed payload's utterance goes through the intent parser as the
//! webhook would.
#![no_main]

use soundalike_chat::intent;
use soundalike_chat::kakao::SkillRequest;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(skill) = SkillRequest::parse(data) {
        let _ = intent::parse(&skill.utterance);
    }
});
