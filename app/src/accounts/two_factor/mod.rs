//! Two-step sign-in (TOTP, RFC 6238): the authenticator app's secret and
//! codes (`authenticator`), the recovery codes that stand in for a lost
//! app (`recovery_codes`), turning it on and off from the account page
//! (`enrolment`), and the second step every sign-in passes through when
//! it is on — password, provider and API log-ins alike (`second_step`).

#[cfg(feature = "ssr")]
pub mod authenticator;
mod enrolment;
#[cfg(feature = "ssr")]
pub mod recovery_codes;
pub mod second_step;

pub use enrolment::{
    begin_two_factor, cancel_two_factor_setup, disable_two_factor, enable_two_factor, new_recovery_codes,
    two_factor_status, BeginTwoFactor, CancelTwoFactorSetup, DisableTwoFactor, EnableTwoFactor, NewRecoveryCodes,
    TwoFactorState, TwoFactorStatus,
};
pub use second_step::{finish_two_factor, second_step_waiting, FinishTwoFactor, SecondStepWaiting};
