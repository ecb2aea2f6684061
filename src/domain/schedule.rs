//! When a schedule runs: a one-off local date and time, daily or weekly at a
//! local time, or a cron expression, all read in an IANA time zone. Next runs
//! are computed in local time, so a daily 09:00 post stays at 09:00 across
//! daylight-saving changes; a local time that does not exist (a spring-forward
//! gap) runs once, at the first instant after the gap; one that exists twice
//! (fall back) runs once, at the earlier.
//!
//! The grammar ("in 30m", "mon 09:00", a date and time) is hand-written so
//! each mistake gets its own message ("not a day on the calendar", "a cron
//! expression needs five fields"); the cron arithmetic itself is croner's,
//! and the zones are chrono-tz's.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use croner::Cron;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Once,
    Daily,
    Weekly,
    Cron,
}

impl Repeat {
    pub const ALL: [Repeat; 4] = [Repeat::Once, Repeat::Daily, Repeat::Weekly, Repeat::Cron];

    pub fn as_str(self) -> &'static str {
        match self {
            Repeat::Once => "once",
            Repeat::Daily => "daily",
            Repeat::Weekly => "weekly",
            Repeat::Cron => "cron",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("'{text}' is not a repeat: use once, daily, weekly or cron."))
    }

    /// What `when` should look like for this kind, for error messages.
    pub fn example(self) -> &'static str {
        match self {
            Repeat::Once => "a date and time such as 2026-12-01 09:00, or 'in 30m' / 'in 2h'",
            Repeat::Daily => "a time such as 09:00",
            Repeat::Weekly => "a weekday and time such as 'mon 09:00'",
            Repeat::Cron => {
                "five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1-5'"
            }
        }
    }
}

/// A parsed schedule rule. `Display` gives the canonical text that is stored
/// and parsed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Once(NaiveDateTime),
    Daily(NaiveTime),
    Weekly(Weekday, NaiveTime),
    Cron(String),
}

impl Rule {
    /// Reads `when` for the given kind of repeat. `now_local` resolves
    /// relative one-off times ("in 30m").
    pub fn parse(repeat: Repeat, when: &str, now_local: NaiveDateTime) -> Result<Rule, String> {
        let when = when.trim();
        if when.is_empty() {
            return Err(format!("Say when: {}.", repeat.example()));
        }
        let bad = |why: &str| {
            format!(
                "'{when}' is not a valid time for a {} schedule{why}: use {}.",
                repeat.as_str(),
                repeat.example()
            )
        };
        match repeat {
            Repeat::Once => {
                if let Some(rest) = when.strip_prefix("in ") {
                    let span = parse_span(rest).ok_or_else(|| bad(""))?;
                    let at = now_local + span;
                    return Ok(Rule::Once(at.with_nanosecond_zero()));
                }
                parse_date_time(when)
                    .map(Rule::Once)
                    .map_err(|why| bad(&why))
            }
            Repeat::Daily => parse_time(when).map(Rule::Daily).map_err(|why| bad(&why)),
            Repeat::Weekly => {
                let (day, time) = when
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| bad(""))?;
                let day = parse_weekday(day)
                    .ok_or_else(|| bad(&format!(" ('{day}' is not a weekday)")))?;
                let time = parse_time(time.trim()).map_err(|why| bad(&why))?;
                Ok(Rule::Weekly(day, time))
            }
            Repeat::Cron => {
                let fields = when.split_whitespace().count();
                if fields != 5 && !when.starts_with('@') {
                    return Err(bad(&format!(
                        " (it has {fields} fields, a cron expression needs five)"
                    )));
                }
                Cron::from_str(when).map_err(|e| bad(&format!(" ({e})")))?;
                Ok(Rule::Cron(
                    when.split_whitespace().collect::<Vec<_>>().join(" "),
                ))
            }
        }
    }

    /// [`Rule::parse`] at the instant `now`, read in `zone`. A relative
    /// one-off ("in 30m") is added to the instant, not to the wall clock, so
    /// it is 30 real minutes away even across a daylight-saving change.
    pub fn parse_at(
        repeat: Repeat,
        when: &str,
        now: DateTime<Utc>,
        zone: Tz,
    ) -> Result<Rule, String> {
        let now_local = now.with_timezone(&zone).naive_local();
        match (repeat, when.trim().strip_prefix("in ").and_then(parse_span)) {
            (Repeat::Once, Some(span)) => {
                let local = (now + span).with_timezone(&zone).naive_local();
                Ok(Rule::Once(local.with_nanosecond_zero()))
            }
            _ => Rule::parse(repeat, when, now_local),
        }
    }

    pub fn repeat(&self) -> Repeat {
        match self {
            Rule::Once(_) => Repeat::Once,
            Rule::Daily(_) => Repeat::Daily,
            Rule::Weekly(..) => Repeat::Weekly,
            Rule::Cron(_) => Repeat::Cron,
        }
    }

    /// Reads back what [`fmt::Display`] stored.
    pub fn from_stored(repeat: &str, text: &str) -> Result<Rule, String> {
        let repeat = Repeat::parse(repeat)?;
        // A stored one-off time is absolute; `now` is unused for it.
        Rule::parse(repeat, text, NaiveDateTime::MIN)
    }

    /// The first run strictly after `after`, in UTC; `None` when there is no
    /// further run (a one-off already past).
    pub fn next_after(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Rule::Once(local) => {
                let at = resolve_local(zone, *local)?;
                (at > after).then_some(at)
            }
            _ => {
                let cron = Cron::from_str(&self.cron_pattern()).ok()?;
                let start = after.with_timezone(&zone);
                cron.find_next_occurrence(&start, false)
                    .ok()
                    .map(|t| t.with_timezone(&Utc))
            }
        }
    }

    /// The rule as cron (empty for a one-off).
    pub(crate) fn cron_pattern(&self) -> String {
        match self {
            Rule::Once(_) => String::new(),
            Rule::Daily(t) => format!("{} {} * * *", t.minute(), t.hour()),
            Rule::Weekly(d, t) => format!(
                "{} {} * * {}",
                t.minute(),
                t.hour(),
                d.num_days_from_sunday()
            ),
            Rule::Cron(pattern) => pattern.clone(),
        }
    }

    /// For people, in words `when:` reads back to this same rule: "daily
    /// at 09:00", "every Monday at 09:00", "every weekday at 09:00", …
    pub fn describe(&self) -> String {
        match self {
            Rule::Once(at) => format!("once, {}", minutes_or_seconds(at)),
            Rule::Daily(t) => format!("daily at {}", t.format("%H:%M")),
            Rule::Weekly(d, t) => format!("every {} at {}", weekday_name(*d), t.format("%H:%M")),
            Rule::Cron(p) => describe_cron(p).unwrap_or_else(|| format!("cron `{p}`")),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Once(at) => write!(f, "{}", minutes_or_seconds(at)),
            Rule::Daily(t) => write!(f, "{}", t.format("%H:%M")),
            Rule::Weekly(d, t) => write!(f, "{} {}", weekday_short(*d), t.format("%H:%M")),
            Rule::Cron(p) => f.write_str(p),
        }
    }
}

use chrono::Timelike;

/// `2026-12-24 18:00`, with `:SS` only when the seconds are set ("in 90s").
fn minutes_or_seconds(at: &NaiveDateTime) -> String {
    if at.second() == 0 {
        at.format("%Y-%m-%d %H:%M").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// The cron patterns `when:` makes from words, in those words again.
fn describe_cron(pattern: &str) -> Option<String> {
    let fields: Vec<&str> = pattern.split(' ').collect();
    let [minute, hour, "*", "*", dow] = fields.as_slice() else {
        return None;
    };
    if let (Some(n), "*", "*") = (minute.strip_prefix("*/"), *hour, *dow) {
        return Some(format!("every {n} minutes"));
    }
    if (*minute, *hour, *dow) == ("0", "*", "*") {
        return Some("every hour".into());
    }
    if let (("0", Some(n)), "*") = ((*minute, hour.strip_prefix("*/")), *dow) {
        return Some(format!("every {n} hours"));
    }
    let time = NaiveTime::from_hms_opt(hour.parse().ok()?, minute.parse().ok()?, 0)?;
    let at = time.format("%H:%M");
    let day = |n: &str| -> Option<&'static str> {
        let n: u32 = n.parse().ok()?;
        let days = [
            "Sunday",
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
        ];
        days.get(n as usize).copied()
    };
    match *dow {
        "1-5" => Some(format!("every weekday at {at}")),
        "6,0" => Some(format!("every weekend at {at}")),
        other => {
            if let Some((d, n)) = other.split_once('#') {
                let nth =
                    ["", "first", "second", "third", "fourth"].get(n.parse::<usize>().ok()?)?;
                (!nth.is_empty())
                    .then(|| format!("the {nth} {} of the month at {at}", day(d).unwrap_or("")))
                    .filter(|_| day(d).is_some())
            } else if let Some(d) = other.strip_suffix('L') {
                Some(format!("the last {} of the month at {at}", day(d)?))
            } else {
                None
            }
        }
    }
}

trait ZeroNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl ZeroNanos for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        self.with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(self)
    }
}

/// A local time as an instant: the earlier of a repeated time, the first
/// instant after a skipped one.
pub fn resolve_local(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
        LocalResult::None => {
            // In a gap: walk forward a minute at a time to the first local
            // time that exists (gaps are at most a few hours).
            let mut probe = local;
            for _ in 0..(4 * 60) {
                probe += Duration::minutes(1);
                let probe_start = probe.with_nanosecond_zero();
                if let LocalResult::Single(t) | LocalResult::Ambiguous(t, _) =
                    zone.from_local_datetime(&probe_start)
                {
                    // The first valid minute is the end of the gap.
                    return Some(t.with_timezone(&Utc));
                }
            }
            None
        }
    }
}

/// An IANA time zone name, with a message that helps when it is wrong.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    Tz::from_str(name)
        .or_else(|_| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .find(|z| z.name().eq_ignore_ascii_case(name))
                .copied()
                .ok_or(())
        })
        .map_err(|_| {
            let suggestions: Vec<&str> = zone_suggestions(name).into_iter().take(3).collect();
            let hint = if suggestions.is_empty() {
                String::new()
            } else {
                format!(" Did you mean {}?", suggestions.join(", "))
            };
            format!("'{name}' is not a time zone I know. Use an IANA name such as Europe/Berlin or America/New_York.{hint}")
        })
}

/// Zone names containing what was typed (case-insensitive), best first:
/// those whose city starts with it, then the rest.
pub fn zone_suggestions(partial: &str) -> Vec<&'static str> {
    let wanted = partial.trim().to_lowercase().replace(' ', "_");
    let mut found: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name())
        .filter(|n| n.to_lowercase().contains(&wanted))
        .collect();
    found.sort_by_key(|n| {
        let city = n.rsplit('/').next().unwrap_or(n).to_lowercase();
        (!city.starts_with(&wanted), n.len())
    });
    found
}

/// `30m`, `90s`, `1h30m`, `2 hours 30 minutes`, `an hour`: a positive span
/// of at most a year.
pub(crate) fn parse_span(text: &str) -> Option<Duration> {
    let text = text.trim().to_lowercase().replace(" and ", " ");
    let text = text
        .strip_prefix("an ")
        .or_else(|| text.strip_prefix("a "))
        .map(|rest| format!("1 {rest}"))
        .unwrap_or(text);
    let mut total = Duration::zero();
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: i64 = rest[..digits].parse().ok().filter(|n| *n <= 100_000)?;
        rest = rest[digits..].trim_start();
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        rest = rest[unit_end..].trim_start();
        total += match unit {
            "s" | "sec" | "secs" | "second" | "seconds" => Duration::seconds(n),
            "m" | "min" | "mins" | "minute" | "minutes" => Duration::minutes(n),
            "h" | "hr" | "hrs" | "hour" | "hours" => Duration::hours(n),
            "d" | "day" | "days" => Duration::days(n),
            "w" | "week" | "weeks" => Duration::weeks(n),
            _ => return None,
        };
    }
    (total > Duration::zero() && total <= Duration::days(366)).then_some(total)
}

/// `09:00`, `9:05`, or with seconds `09:00:30`.
fn parse_time(text: &str) -> Result<NaiveTime, String> {
    let mut parts = text.trim().split(':');
    let (h, m, sec) = (parts.next(), parts.next(), parts.next().unwrap_or("0"));
    let (Some(h), Some(m), None) = (h, m, parts.next()) else {
        return Err(String::new());
    };
    let (h, m, sec): (u32, u32, u32) = (
        h.parse().map_err(|_| String::new())?,
        m.parse().map_err(|_| String::new())?,
        sec.parse().map_err(|_| String::new())?,
    );
    NaiveTime::from_hms_opt(h, m, sec)
        .ok_or_else(|| format!(" ({h:02}:{m:02} is not a time of day)"))
}

pub(crate) fn parse_date_time(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    let (date, time) = text
        .split_once(['T', ' '])
        .ok_or_else(|| " (give both a date and a time)".to_string())?;
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next(), parts.next(), parts.next());
    let numbers = (
        y.and_then(|v| v.parse::<i32>().ok()),
        m.and_then(|v| v.parse::<u32>().ok()),
        d.and_then(|v| v.parse::<u32>().ok()),
    );
    let (Some(y), Some(m), Some(d)) = numbers else {
        return Err(" (the date should be YYYY-MM-DD)".into());
    };
    let date = NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| format!(" ({y}-{m:02}-{d:02} is not a day on the calendar)"))?;
    Ok(date.and_time(parse_time(time)?))
}

pub(crate) fn parse_weekday(text: &str) -> Option<Weekday> {
    let text = text.trim().to_lowercase();
    if text.len() < 3 {
        return None;
    }
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|d| weekday_name(*d).to_lowercase().starts_with(&text))
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn weekday_short(day: Weekday) -> &'static str {
    &weekday_name(day)[..3]
}

/// A date that is certainly a calendar day, for tests and callers that
/// build local times.
pub fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, min, 0))
        .expect("a valid local date and time")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn runs(rule: &Rule, zone: Tz, from: &str, n: usize) -> Vec<String> {
        let mut at = utc(from);
        let mut out = Vec::new();
        for _ in 0..n {
            at = rule.next_after(zone, at).expect("a next run");
            out.push(
                at.with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M %Z")
                    .to_string(),
            );
        }
        out
    }

    #[test]
    fn a_daily_post_stays_at_nine_local_across_both_changes_in_berlin() {
        let rule = Rule::parse(Repeat::Daily, "09:00", local(2026, 1, 1, 0, 0)).unwrap();
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            runs(&rule, zone, "2026-03-27T12:00:00Z", 3),
            [
                "2026-03-28 09:00 CET",
                "2026-03-29 09:00 CEST",
                "2026-03-30 09:00 CEST"
            ]
        );
        assert_eq!(
            runs(&rule, zone, "2026-10-24T12:00:00Z", 2),
            ["2026-10-25 09:00 CET", "2026-10-26 09:00 CET"]
        );
        // 09:00 in Berlin is 07:00 UTC in summer and 08:00 UTC in winter.
        assert_eq!(
            rule.next_after(zone, utc("2026-07-01T00:00:00Z")),
            Some(utc("2026-07-01T07:00:00Z"))
        );
        assert_eq!(
            rule.next_after(zone, utc("2026-12-01T00:00:00Z")),
            Some(utc("2026-12-01T08:00:00Z"))
        );
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_runs_once_at_the_end_of_the_gap() {
        let zone: Tz = "America/New_York".parse().unwrap();
        let daily = Rule::parse(Repeat::Daily, "02:30", local(2026, 1, 1, 0, 0)).unwrap();
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        assert_eq!(
            runs(&daily, zone, "2026-03-07T12:00:00Z", 3),
            [
                "2026-03-08 03:00 EDT",
                "2026-03-09 02:30 EDT",
                "2026-03-10 02:30 EDT"
            ]
        );
        let once = Rule::parse(Repeat::Once, "2026-03-08 02:30", local(2026, 1, 1, 0, 0)).unwrap();
        assert_eq!(
            once.next_after(zone, utc("2026-03-01T00:00:00Z")),
            Some(utc("2026-03-08T07:00:00Z")),
            "03:00 EDT"
        );
    }

    #[test]
    fn a_repeated_fall_back_time_runs_once() {
        let zone: Tz = "America/New_York".parse().unwrap();
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice.
        let daily = Rule::parse(Repeat::Daily, "01:30", local(2026, 1, 1, 0, 0)).unwrap();
        assert_eq!(
            runs(&daily, zone, "2026-10-31T12:00:00Z", 2),
            ["2026-11-01 01:30 EDT", "2026-11-02 01:30 EST"]
        );
        let once = Rule::parse(Repeat::Once, "2026-11-01 01:30", local(2026, 1, 1, 0, 0)).unwrap();
        assert_eq!(
            once.next_after(zone, utc("2026-10-01T00:00:00Z")),
            Some(utc("2026-11-01T05:30:00Z"))
        );
    }

    #[test]
    fn weekly_and_cron_rules_follow_local_time() {
        let zone: Tz = "Asia/Tokyo".parse().unwrap();
        let weekly = Rule::parse(Repeat::Weekly, "mon 18:15", local(2026, 1, 1, 0, 0)).unwrap();
        assert_eq!(weekly.to_string(), "Mon 18:15");
        assert_eq!(
            runs(&weekly, zone, "2026-11-24T00:00:00Z", 2),
            ["2026-11-30 18:15 JST", "2026-12-07 18:15 JST"]
        );
        let cron = Rule::parse(Repeat::Cron, "0  9 * * 1-5", local(2026, 1, 1, 0, 0)).unwrap();
        assert_eq!(cron.to_string(), "0 9 * * 1-5");
        // Friday 2026-11-27 then Monday 2026-11-30.
        assert_eq!(
            runs(&cron, zone, "2026-11-26T12:00:00Z", 2),
            ["2026-11-27 09:00 JST", "2026-11-30 09:00 JST"]
        );
    }

    #[test]
    fn rules_survive_being_stored() {
        let now = local(2026, 11, 24, 10, 7);
        for (repeat, when) in [
            (Repeat::Once, "2026-12-01 09:00"),
            (Repeat::Once, "in 90m"),
            (Repeat::Daily, "7:05"),
            (Repeat::Weekly, "Sunday 23:59"),
            (Repeat::Cron, "*/15 8-17 * * *"),
        ] {
            let rule = Rule::parse(repeat, when, now).unwrap();
            let back = Rule::from_stored(repeat.as_str(), &rule.to_string()).unwrap();
            assert_eq!(back, rule, "{when}");
        }
        assert_eq!(
            Rule::parse(Repeat::Once, "in 90m", now).unwrap(),
            Rule::Once(local(2026, 11, 24, 11, 37))
        );
    }

    #[test]
    fn impossible_times_are_refused_with_a_reason() {
        let now = local(2026, 11, 24, 10, 0);
        for (repeat, when, says) in [
            (
                Repeat::Once,
                "2026-02-30 09:00",
                "not a day on the calendar",
            ),
            (Repeat::Once, "2026-12-01 25:00", "not a time of day"),
            (Repeat::Once, "tomorrow", "both a date and a time"),
            (Repeat::Daily, "9", "09:00"),
            (Repeat::Weekly, "funday 09:00", "not a weekday"),
            (Repeat::Cron, "0 9 * *", "needs five"),
            (Repeat::Cron, "0 9 * * 8-9", "not a valid time"),
            (Repeat::Once, "in 5 fortnights", "in 30m"),
            (Repeat::Daily, "", "Say when"),
        ] {
            let error = Rule::parse(repeat, when, now).unwrap_err();
            assert!(error.contains(says), "{when}: {error}");
        }
    }

    #[test]
    fn in_thirty_minutes_is_thirty_real_minutes_across_a_dst_change() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 01:50 in Berlin on the night clocks jump from 02:00 to 03:00.
        let now = utc("2026-03-29T00:50:00Z");
        let rule = Rule::parse_at(Repeat::Once, "in 30m", now, berlin).unwrap();
        assert_eq!(rule, Rule::Once(local(2026, 3, 29, 3, 20)));
        assert_eq!(
            rule.next_after(berlin, now),
            Some(utc("2026-03-29T01:20:00Z"))
        );
        // Away from a change it is the same as wall-clock arithmetic.
        let rule = Rule::parse_at(Repeat::Once, "in 2h", utc("2026-06-01T10:00:00Z"), berlin);
        assert_eq!(rule, Ok(Rule::Once(local(2026, 6, 1, 14, 0))));
    }

    #[test]
    fn zones_are_checked_and_suggested() {
        assert_eq!(parse_zone("europe/berlin").unwrap().name(), "Europe/Berlin");
        let error = parse_zone("Europe/Berln").unwrap_err();
        assert!(error.contains("not a time zone"), "{error}");
        let error = parse_zone("Berlin").unwrap_err();
        assert!(error.contains("Europe/Berlin"), "{error}");
        assert_eq!(zone_suggestions("new_y").first(), Some(&"America/New_York"));
        assert_eq!(zone_suggestions("Los Angeles"), ["America/Los_Angeles"]);
    }
}
