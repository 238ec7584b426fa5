//! Times as the person lives them: in the time zone kept with their
//! account (taken from the browser on their first visit, changeable on the
//! account page), rendered on the server so no UTC flashes by.
//!
//! The server converts with chrono-tz (the IANA database); the browser,
//! after hydration, with its own `Intl` (the same database, already in
//! every browser), so the WASM carries no zone data.

#[cfg(not(feature = "hydrate"))]
use chrono::Timelike;
use chrono::{DateTime, Datelike, NaiveDate};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::AppError;

/// An IANA time zone name (`Europe/Berlin`), checked on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZone(String);

impl Default for TimeZone {
    fn default() -> Self {
        Self("UTC".to_owned())
    }
}

/// One moment's wall-clock reading in a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reading {
    date: NaiveDate,
    hour: u32,
    minute: u32,
}

impl TimeZone {
    /// Longest name accepted (the longest IANA name is 32 characters).
    #[cfg(feature = "ssr")]
    const MAX_LEN: usize = 64;

    /// The zone of a signed-in user, UTC when none is known yet.
    pub fn of(user: Option<&crate::accounts::User>) -> Self {
        user.and_then(|u| u.time_zone.clone()).map(Self).unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// A zone name from a form or the browser, checked against the IANA
    /// database.
    #[cfg(feature = "ssr")]
    pub fn parse(name: &str) -> Result<Self, AppError> {
        let name = name.trim();
        let invalid = || AppError::invalid("time_zone", "Choose a time zone from the list, like Europe/Berlin.");
        if name.is_empty() || name.len() > Self::MAX_LEN {
            return Err(invalid());
        }
        let tz: chrono_tz::Tz = name.parse().map_err(|_| invalid())?;
        // Browsers say "Etc/UTC" and the like for plain UTC.
        let utc = ["Etc/UTC", "Etc/UCT", "Etc/GMT", "Etc/Universal", "Etc/Zulu", "GMT", "UCT", "Universal", "Zulu"];
        match utc.contains(&tz.name()) {
            true => Ok(Self::default()),
            false => Ok(Self(tz.name().to_owned())),
        }
    }

    /// Every zone a person can choose, for the settings list.
    #[cfg(feature = "ssr")]
    pub fn all() -> Vec<String> {
        let mut names: Vec<String> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("SystemV/") || *n == "UTC")
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    }

    /// A wall-clock time in this zone (a form's `datetime-local`) as Unix
    /// milliseconds. A time that a clock change skipped is read as the
    /// hour after; one it repeated, as the first.
    #[cfg(feature = "ssr")]
    pub fn to_utc_millis(&self, local: chrono::NaiveDateTime) -> Option<i64> {
        use chrono::TimeZone as _;
        let tz: chrono_tz::Tz = self.0.parse().unwrap_or(chrono_tz::UTC);
        tz.from_local_datetime(&local)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
            .map(|t| t.timestamp_millis())
    }

    #[cfg(feature = "ssr")]
    fn read(&self, millis: i64) -> Option<Reading> {
        let tz: chrono_tz::Tz = self.0.parse().unwrap_or(chrono_tz::UTC);
        let local = DateTime::from_timestamp_millis(millis)?.with_timezone(&tz);
        Some(Reading { date: local.date_naive(), hour: local.hour(), minute: local.minute() })
    }

    /// The browser's `Intl`, asked for the parts of the moment in this zone.
    #[cfg(not(feature = "ssr"))]
    fn read(&self, millis: i64) -> Option<Reading> {
        #[cfg(feature = "hydrate")]
        {
            browser::read(&self.0, millis)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let utc = DateTime::from_timestamp_millis(millis)?;
            Some(Reading { date: utc.date_naive(), hour: utc.hour(), minute: utc.minute() })
        }
    }

    /// The zone the browser is in (`Intl`), if it says.
    #[cfg(feature = "hydrate")]
    pub fn of_browser() -> Option<String> {
        browser::zone()
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Reading;
    use chrono::NaiveDate;
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    fn formatter(zone: &str) -> Option<Intl::DateTimeFormat> {
        let options = Object::new();
        for (key, value) in [
            ("timeZone", zone),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("hourCycle", "h23"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        // Built through Reflect so that a zone this browser does not know
        // (a RangeError) is an error here, read as UTC by the caller.
        let constructor = Reflect::get(&Reflect::get(&js_sys::global(), &"Intl".into()).ok()?, &"DateTimeFormat".into()).ok()?;
        let args = Array::of2(&Array::of1(&"en-US".into()), &options);
        Reflect::construct(constructor.dyn_ref::<js_sys::Function>()?, &args).ok().map(JsCast::unchecked_into)
    }

    pub(super) fn read(zone: &str, millis: i64) -> Option<Reading> {
        let format = formatter(zone).or_else(|| formatter("UTC"))?;
        let parts = format.format_to_parts(&Date::new(&JsValue::from_f64(millis as f64)));
        let mut numbers = [0u32; 5];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                _ => continue,
            };
            numbers[slot] = value.parse().ok()?;
        }
        let [year, month, day, hour, minute] = numbers;
        Some(Reading { date: NaiveDate::from_ymd_opt(year as i32, month, day)?, hour: hour % 24, minute })
    }

    pub(super) fn zone() -> Option<String> {
        let format = Intl::DateTimeFormat::new(&Array::new(), &Object::new());
        Reflect::get(&format.resolved_options(), &"timeZone".into()).ok()?.as_string()
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn clock(r: Reading) -> String {
    format!("{:02}:{:02}", r.hour, r.minute)
}

fn date(r: Reading) -> String {
    format!("{} {} {}", r.date.day(), MONTHS[r.date.month0() as usize], r.date.year())
}

/// `"21 Nov 2025, 16:30"`, in `zone`.
pub fn exact(zone: &TimeZone, millis: i64) -> String {
    match zone.read(millis) {
        Some(r) => format!("{}, {}", date(r), clock(r)),
        None => "unknown time".to_owned(),
    }
}

/// How long ago, the way people say it: "just now", "25 minutes ago",
/// "today, 21:40", "yesterday, 21:40", "3 days ago", then the date.
pub fn relative(zone: &TimeZone, millis: i64, now: i64) -> String {
    let (Some(then), Some(today)) = (zone.read(millis), zone.read(now)) else {
        return exact(zone, millis);
    };
    let minutes = (now - millis) / 60_000;
    let days = (today.date - then.date).num_days();
    match (minutes, days) {
        (m, _) if m < 0 => exact(zone, millis),
        (0, _) => "just now".to_owned(),
        (1, _) => "1 minute ago".to_owned(),
        (m, 0) if m < 60 => format!("{m} minutes ago"),
        (_, 0) => format!("today, {}", clock(then)),
        (_, 1) => format!("yesterday, {}", clock(then)),
        (_, d) if d < 7 => format!("{d} days ago"),
        _ => exact(zone, millis),
    }
}

/// The `datetime-local` form value for a moment in `zone`.
pub fn datetime_local(zone: &TimeZone, millis: i64) -> String {
    match zone.read(millis) {
        Some(r) => format!("{}T{}", r.date.format("%Y-%m-%d"), clock(r)),
        None => String::new(),
    }
}

/// Now, in Unix milliseconds, on either side.
pub fn now_millis() -> i64 {
    #[cfg(feature = "ssr")]
    return chrono::Utc::now().timestamp_millis();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    return js_sys::Date::now() as i64;
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    0
}

/// The machine-readable moment for `<time datetime>` (UTC).
fn iso(millis: i64) -> String {
    DateTime::from_timestamp_millis(millis).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

/// The zone of whoever is signed in, once the user resource has loaded.
pub async fn zone_of(user: crate::CurrentUserResource) -> TimeZone {
    TimeZone::of(user.await.ok().flatten().as_ref())
}

/// A moment on a page: relative when `relative`, with the exact local
/// time on hover and on focus (a small tooltip, for keyboards too).
#[component]
pub fn Moment(millis: i64, zone: TimeZone, #[prop(optional)] relative: bool) -> impl IntoView {
    let exact_text = exact(&zone, millis);
    if relative {
        let shown = self::relative(&zone, millis, now_millis());
        view! {
            <time class="moment" datetime=iso(millis) title=exact_text.clone() data-exact=exact_text tabindex="0">{shown}</time>
        }
        .into_any()
    } else {
        view! { <time datetime=iso(millis)>{exact_text}</time> }.into_any()
    }
}

/// Once the page has hydrated: when the signed-in person has no zone yet,
/// keeps the browser's, then shows the page again in it. Renders nothing.
#[component]
pub fn DetectTimeZone() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let user = expect_context::<crate::CurrentUserResource>();
        let auth = expect_context::<crate::AuthChanged>();
        let asked = StoredValue::new(false);
        Effect::new(move |_| {
            // Not before: fetching the user again would race the hydration
            // of a page whose chunk is still loading.
            if !crate::browser::hydration::finished() {
                return;
            }
            let Some(Ok(Some(me))) = user.get() else { return };
            if me.time_zone.is_some() || asked.get_value() {
                return;
            }
            let Some(zone) = TimeZone::of_browser() else { return };
            asked.set_value(true);
            leptos::task::spawn_local(async move {
                if let Ok(true) = crate::accounts::detect_time_zone(zone).await {
                    auth.notify();
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT_2330_UTC: i64 = 1_763_767_800_000; // 21 Nov 2025, 23:30 UTC

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    #[test]
    fn a_late_evening_in_utc_falls_on_each_persons_own_date() {
        assert_eq!(exact(&TimeZone::default(), AT_2330_UTC), "21 Nov 2025, 23:30");
        assert_eq!(exact(&zone("Africa/Cairo"), AT_2330_UTC), "22 Nov 2025, 01:30");
        assert_eq!(exact(&zone("America/New_York"), AT_2330_UTC), "21 Nov 2025, 18:30");
        assert_eq!(datetime_local(&zone("Africa/Cairo"), AT_2330_UTC), "2025-11-22T01:30");
    }

    #[test]
    fn relative_times_read_as_people_say_them() {
        let utc = TimeZone::default();
        let min = 60_000;
        let now = AT_2330_UTC;
        assert_eq!(relative(&utc, now - 20_000, now), "just now");
        assert_eq!(relative(&utc, now - 25 * min, now), "25 minutes ago");
        assert_eq!(relative(&utc, now - 120 * min, now), "today, 21:30");
        assert_eq!(relative(&utc, now - 24 * 60 * min, now), "yesterday, 23:30");
        assert_eq!(relative(&utc, now - 3 * 24 * 60 * min, now), "3 days ago");
        assert_eq!(relative(&utc, now - 30 * 24 * 60 * min, now), "22 Oct 2025, 23:30");
        // Yesterday in New York is still today in UTC.
        assert_eq!(relative(&zone("America/New_York"), now - 5 * 60 * min, now), "today, 13:30");
        assert_eq!(relative(&zone("Africa/Cairo"), now - 2 * 60 * min, now), "yesterday, 23:30");
    }

    #[test]
    fn zone_names_are_checked_and_local_times_read_back() {
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert_eq!(TimeZone::parse("Etc/UTC").unwrap(), TimeZone::default());
        assert!(TimeZone::parse("").is_err());
        assert!(TimeZone::parse(&"A/".repeat(100)).is_err());
        let berlin = zone("Europe/Berlin");
        let local = chrono::NaiveDateTime::parse_from_str("2025-11-22T00:30", "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(berlin.to_utc_millis(local), Some(AT_2330_UTC));
        // 02:30 on 30 March 2025 never happened in Berlin: read as 03:30.
        let skipped = chrono::NaiveDateTime::parse_from_str("2025-03-30T02:30", "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(exact(&berlin, berlin.to_utc_millis(skipped).unwrap()), "30 Mar 2025, 03:30");
        assert!(TimeZone::all().iter().any(|z| z == "Europe/Berlin"));
        assert!(TimeZone::all().iter().any(|z| z == "UTC"));
    }
}
