//! The templates' own filters (askama finds them as `filters::…` where a
//! template is derived): the mail's, shared with the emails.

pub use aftercare_shared::mail::render::filters::keep_words;
