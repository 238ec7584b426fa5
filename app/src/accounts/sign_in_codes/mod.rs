//! Sign-in codes: six digits by mail or text message (`codes`), the
//! phone numbers they go to (`phone_numbers`, and the account page's
//! `phone`), and signing in with one instead of a password (`sign_in`).

#[cfg(feature = "ssr")]
pub mod codes;
mod phone;
#[cfg(feature = "ssr")]
pub mod phone_numbers;
mod sign_in;

pub use phone::{add_phone, confirm_phone, phone_status, remove_phone, AddPhone, ConfirmPhone, PhoneState, PhoneStatus, RemovePhone};
pub use sign_in::{finish_code_sign_in, send_sign_in_code, sign_in_code_waiting, FinishCodeSignIn, SendSignInCode, PAGE};
