//! The Kakao i Open Builder skill channel: parse a SkillPayload, render a [`Reply`] as a
//! SkillResponse 2.0, and check any response against every documented limit ([`validate`]).
//!
//! Limits are counted in characters, not bytes, as Kakao counts them.

mod render;
mod request;
mod validate;

pub use render::{SkillResponse, callback_ack, render};
pub use request::{PayloadError, SkillRequest};
pub use validate::{Violation, validate};

/// simpleText text.
pub const SIMPLE_TEXT_MAX: usize = 1000;
/// Titles of cards and list headers/items.
pub const TITLE_MAX: usize = 50;
/// listCard item description (not documented separately; kept to a card-like length).
pub const ITEM_DESCRIPTION_MAX: usize = 128;
/// Components per response.
pub const OUTPUTS_MAX: usize = 3;
/// Carousel items (any type but listCard).
pub const CAROUSEL_MAX: usize = 10;
/// Carousel items when they are listCards.
pub const CAROUSEL_LIST_CARDS_MAX: usize = 5;
/// listCard items alone / inside a carousel.
pub const LIST_ITEMS_MAX: usize = 5;
/// listCard items inside a carousel.
pub const LIST_ITEMS_IN_CAROUSEL_MAX: usize = 4;
/// Button label.
pub const BUTTON_LABEL_MAX: usize = 14;
/// Button label when two buttons sit side by side.
pub const BUTTON_LABEL_SIDE_BY_SIDE_MAX: usize = 8;
/// Quick replies per response.
pub const QUICK_REPLIES_MAX: usize = 10;
/// Quick reply label.
pub const QUICK_REPLY_LABEL_MAX: usize = 14;
/// The output context that carries the conversation ([`crate::Context`]).
pub const CONTEXT_NAME: &str = "soundalike";
/// Turns the context lives (Kakao drops it after that many turns without renewal).
pub const CONTEXT_LIFE_SPAN: u32 = 5;
/// Output contexts per response (soundalike sends one).
pub const CONTEXT_VALUES_MAX: usize = 10;
/// Length of a context parameter value soundalike sends at most.
pub const CONTEXT_PARAM_MAX: usize = crate::request::MAX_CONTEXT_BYTES;
