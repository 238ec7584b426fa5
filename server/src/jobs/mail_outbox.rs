//! Every two seconds: sends the mail and text messages that are due (see
//! `infra::mail::outbox`). Each replica runs one; a message is claimed
//! before it is sent, so none goes out twice.

use std::time::Duration;

use app::infra::state::AppState;

use super::{Job, Pass};

pub fn job() -> Job {
    Job::new("mail_outbox", Duration::from_secs(2), |state: AppState| async move {
        let delivered = app::infra::mail::outbox::deliver_due(&state.db, &state.mailer, &state.sms)
            .await
            .map_err(super::app_error)?;
        Ok(Pass { done: delivered.sent, failed: delivered.failed })
    })
}
