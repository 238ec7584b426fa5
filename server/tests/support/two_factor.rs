//! Two-step sign-in from the test's side: the authenticator app's codes,
//! computed from the secret the account page shows, and turning it on.

use app::accounts::two_factor::TwoFactorState;
use axum::http::StatusCode;

use super::TestApp;

/// The code an authenticator app shows `offset_secs` from now (30 s later
/// is the next step: one the server has not seen yet).
pub fn code(secret: &str, offset_secs: i64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32 secret");
    let totp = totp_rs::Builder::new().with_secret(bytes.as_bytes().to_vec()).build().expect("totp");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    totp.generate((now + offset_secs) as u64).to_string()
}

pub async fn status(app: &mut TestApp) -> TwoFactorState {
    let response = app.call("accounts/two_factor/status", &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

/// Sets up and confirms an authenticator for the signed-in account;
/// returns its secret and the recovery codes shown once.
pub async fn turn_on(app: &mut TestApp) -> (String, Vec<String>) {
    let (secret, recovery, _) = turn_on_with(app).await;
    (secret, recovery)
}

/// [`turn_on`], also giving the code it was turned on with (its time step
/// is spent, whenever the test looks again).
pub async fn turn_on_with(app: &mut TestApp) -> (String, Vec<String>, String) {
    let begun = app.call("accounts/two_factor/begin", &[]).await;
    assert_eq!(begun.status, StatusCode::OK, "{}", begun.text());
    let TwoFactorState::SettingUp { secret, qr_image, otpauth_url } = status(app).await else {
        panic!("not being set up");
    };
    assert!(qr_image.starts_with("data:image/svg+xml;base64,"));
    assert!(otpauth_url.starts_with("otpauth://totp/Echoes:"));
    let used = code(&secret, 0);
    let on = app.call("accounts/two_factor/enable", &[("code", &used)]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text());
    let TwoFactorState::On { new_recovery_codes, recovery_codes_left, .. } = status(app).await else {
        panic!("not on");
    };
    assert_eq!((new_recovery_codes.len(), recovery_codes_left), (10, 10));
    (secret, new_recovery_codes, used)
}

/// Finishes a sign-in that waits for its second step.
pub async fn second_step(app: &mut TestApp, code: &str) -> super::TestResponse {
    app.call("accounts/two_factor/finish", &[("code", code)]).await
}
