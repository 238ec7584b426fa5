//! Small pieces shared by several pages.

pub mod echo_fields;
pub mod emotion_chips;
pub mod field_error;
pub mod mailed_link;
pub mod nav;
pub mod player;
pub mod provider_buttons;
pub mod status;
pub mod verify_banner;
