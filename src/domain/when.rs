//! `when:` as moderators write it: "tomorrow 9am", "in 1h30m", "every
//! weekday at 9:00", "first monday of the month 9am", a date and time, or
//! cron, read in the schedule's zone with the repeat inferred from the
//! words. Each phrase becomes one of the [`Rule`]s the scheduler already
//! runs, and [`Rule::describe`] writes a phrase this reads back to the same
//! rule.
//!
//! We looked for a kept crate first: chrono-english and interim read one
//! instant but no repetition, english-to-cron reads repetition but no
//! one-offs or zones, and none says which word it could not read. The
//! grammar here is small, and a property test holds it to its promises
//! (every accepted phrase runs in the future; descriptions read back).

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::schedule::{parse_date_time, parse_span, parse_weekday, resolve_local, Repeat, Rule};

/// Reads `text` at the instant `now` in `zone`. With `repeat` given (the
/// `repeat:` option) the phrase is read for that repeat; without, the words
/// decide.
pub fn read_when(
    text: &str,
    repeat: Option<Repeat>,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<Rule, String> {
    let phrase = normalise(text);
    if phrase.is_empty() {
        return Err(format!("Say when, for example {}.", examples(now, zone)));
    }
    let inferred = cron_text(text)
        .map(|pattern| {
            Rule::parse(Repeat::Cron, pattern, now.naive_utc())
                .map_err(|_| " (not a valid cron expression)".to_string())
        })
        .unwrap_or_else(|| phrase_rule(&phrase, now, zone));
    // A one-off must still be to come ("today 09:00" said at noon).
    if let Ok(Rule::Once(at)) = inferred {
        if !later_than(at, now, zone) {
            return Err(format!(
                "'{}' is {}, which has passed in {} (it is {} there now). Give a time still to come, e.g. 'tomorrow 9am'.",
                text.trim(),
                at.format("%Y-%m-%d %H:%M"),
                zone.name(),
                now.with_timezone(&zone).format("%Y-%m-%d %H:%M")
            ));
        }
    }
    match (repeat, inferred) {
        (None, Ok(rule)) => Ok(rule),
        (None, Err(why)) => Err(format!(
            "I can't read '{}' as a time{why}. Try {}.",
            text.trim(),
            examples(now, zone)
        )),
        (Some(repeat), Ok(rule)) if rule.repeat() == repeat => Ok(rule),
        (Some(repeat), Ok(rule)) => rule.reinterpret(repeat, zone, now),
        // The older strict forms ("mon 09:00" for weekly, a bare cron).
        (Some(repeat), Err(_)) => Rule::parse_at(repeat, text, now, zone).map_err(|why| {
            format!(
                "{why} (or leave repeat: out and write it in words, e.g. {})",
                examples(now, zone)
            )
        }),
    }
}

/// A few phrases this reads, with dates still to come.
pub fn examples(now: DateTime<Utc>, zone: Tz) -> String {
    let tomorrow = (now.with_timezone(&zone).date_naive() + Duration::days(1)).format("%Y-%m-%d");
    format!(
        "'tomorrow 9am', 'in 90m', '{tomorrow} 18:00', 'daily 09:00', 'every monday 10:00', 'every weekday at 9:00' or cron '0 9 * * 1-5'"
    )
}

/// Lower case, single spaces, no "at" or "on" between the parts.
fn normalise(text: &str) -> String {
    text.trim()
        .trim_end_matches('.')
        .to_lowercase()
        .replace(',', " ")
        .split_whitespace()
        .filter(|w| !matches!(*w, "at" | "on"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn phrase_rule(phrase: &str, now: DateTime<Utc>, zone: Tz) -> Result<Rule, String> {
    let now_local = now.with_timezone(&zone).naive_local();
    if let Some(rest) = phrase.strip_prefix("once ") {
        return phrase_rule(rest, now, zone).and_then(|rule| match rule {
            Rule::Once(_) => Ok(rule),
            _ => Err(" ('once' with a repeating time)".into()),
        });
    }
    if let Some(span) = phrase.strip_prefix("in ") {
        let span =
            parse_span(span).ok_or(" (say how long: in 90s, in 30m, in 1h30m, in 2 days)")?;
        let at = (now + span).with_timezone(&zone).naive_local();
        return Ok(Rule::Once(at.with_nanosecond(0).unwrap_or(at)));
    }
    let words: Vec<&str> = phrase.split(' ').collect();
    let rest = |from: usize| words[from.min(words.len())..].join(" ");
    let first = words[0];
    let second = words.get(1).copied().unwrap_or("");
    // Intervals: every 2 hours, every 30 minutes, every hour.
    if first == "every" {
        if let Some(cron) = interval(&words[1..])? {
            return Ok(Rule::Cron(cron));
        }
    }
    // Every day.
    if first == "daily"
        || (first == "every" && second == "day")
        || (first == "each" && second == "day")
    {
        let time = clock(&rest(if first == "daily" { 1 } else { 2 }))?;
        return Ok(Rule::Daily(time));
    }
    // Every weekday / weekend.
    let weekdays = (first == "every" && matches!(second, "weekday" | "workday"))
        || matches!(first, "weekdays" | "workdays");
    let weekends =
        (first == "every" && matches!(second, "weekend" | "weekend-day")) || first == "weekends";
    if weekdays || weekends {
        let time = clock(&rest(if first == "every" { 2 } else { 1 }))?;
        let days = if weekdays { "1-5" } else { "6,0" };
        return Ok(Rule::Cron(format!(
            "{} {} * * {days}",
            time.minute(),
            time.hour()
        )));
    }
    // The first Monday of the month.
    let ordinal_at = usize::from(first == "the");
    if let Some(n) = words.get(ordinal_at).and_then(|w| ordinal(w)) {
        let day = words
            .get(ordinal_at + 1)
            .and_then(|w| parse_weekday(w))
            .ok_or(" (which weekday of the month?)")?;
        let of = &words[(ordinal_at + 2).min(words.len())..];
        let time = match of {
            ["of", "the" | "every" | "each", "month", time @ ..]
            | ["of", "month", time @ ..]
            | ["monthly", time @ ..] => clock(&time.join(" "))?,
            _ => return Err(" (say 'of the month')".into()),
        };
        let dow = day.num_days_from_sunday();
        let when = if n == 0 {
            format!("{dow}L")
        } else {
            format!("{dow}#{n}")
        };
        return Ok(Rule::Cron(format!(
            "{} {} * * {when}",
            time.minute(),
            time.hour()
        )));
    }
    // Every Monday, weekly Monday, Mondays.
    let weekly_day = match (first, second) {
        ("every" | "weekly" | "each", day) => parse_weekday(day).map(|d| (d, 2)),
        (plural, _) if plural.ends_with('s') && plural.len() > 4 => {
            parse_weekday(plural.trim_end_matches('s')).map(|d| (d, 1))
        }
        _ => None,
    };
    if let Some((day, skip)) = weekly_day {
        return Ok(Rule::Weekly(day, clock(&rest(skip))?));
    }
    if first == "every" || first == "weekly" {
        return Err(format!(" ('{second}' is not a day, and every … takes 'day', 'weekday', a weekday or a number of hours or minutes)"));
    }
    // One-offs: today/tomorrow, a weekday, a date, or just a time.
    if let Some(days) = match first {
        "today" | "tonight" => Some(0),
        "tomorrow" => Some(1),
        _ => None,
    } {
        let date = now_local.date() + Duration::days(days);
        return Ok(Rule::Once(date.and_time(clock(&rest(1))?)));
    }
    if let Some(day) = parse_weekday(first) {
        let time = clock(&rest(1))?;
        let mut date = now_local.date();
        while date.weekday() != day || date.and_time(time) <= now_local {
            date += Duration::days(1);
        }
        return Ok(Rule::Once(date.and_time(time)));
    }
    if first.contains('-') {
        return parse_date_time(&format!("{first} {}", clock(&rest(1))?.format("%H:%M:%S")))
            .map(Rule::Once);
    }
    let time = clock(phrase)?;
    let today = now_local.date().and_time(time);
    let next = if later_than(today, now, zone) {
        today
    } else {
        today + Duration::days(1)
    };
    Ok(Rule::Once(next))
}

/// Whether the local time `at` in `zone` is still to come at `now`.
fn later_than(at: NaiveDateTime, now: DateTime<Utc>, zone: Tz) -> bool {
    resolve_local(zone, at).is_some_and(|t| t > now)
}

/// The pattern, as typed, when `text` is cron: "cron `…`" (as
/// [`Rule::describe`] writes it) or five fields of digits and cron's signs.
fn cron_text(text: &str) -> Option<&str> {
    let text = text.trim();
    let pattern = match text.get(..5) {
        Some(prefix) if prefix.eq_ignore_ascii_case("cron ") => text[5..].trim().trim_matches('`'),
        _ => text,
    };
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    let cron_like = fields.len() == 5 && fields.iter().all(|f| cron_field(f));
    (cron_like || pattern.len() < text.len()).then_some(pattern)
}

/// A cron field: numbers, `*`, ranges, steps, lists, `#`, `L`, and three-
/// letter day and month names (MON-FRI, JAN).
fn cron_field(field: &str) -> bool {
    const NAMES: [&str; 19] = [
        "mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "may", "jun",
        "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    field.split([',', '-', '/', '#']).all(|part| {
        let part = part.strip_suffix(['L', 'l']).unwrap_or(part);
        matches!(part, "*" | "?" | "")
            || part.chars().all(|c| c.is_ascii_digit())
            || NAMES.contains(&part.to_ascii_lowercase().as_str())
    })
}

/// `2 hours`, `30 minutes`, `hour`: a cron that fires at that interval.
/// Intervals must divide the hour or the day, so every run is evenly spaced.
fn interval(words: &[&str]) -> Result<Option<String>, String> {
    let (n, unit) = match words {
        [unit] => (1, *unit),
        [n, unit] => match n.parse::<u32>() {
            Ok(n) => (n, *unit),
            Err(_) => return Ok(None),
        },
        _ => return Ok(None),
    };
    match unit.trim_end_matches('s') {
        "minute" | "min" | "m" => match n {
            5 | 10 | 15 | 20 | 30 => Ok(Some(format!("*/{n} * * * *"))),
            _ => Err(" (every 5, 10, 15, 20 or 30 minutes: a schedule runs at most every 5 minutes and evenly through the hour)".into()),
        },
        "hour" | "h" => match n {
            1 => Ok(Some("0 * * * *".into())),
            2 | 3 | 4 | 6 | 8 | 12 => Ok(Some(format!("0 */{n} * * *"))),
            _ => Err(" (every 1, 2, 3, 4, 6, 8 or 12 hours, so the runs fall evenly through the day)".into()),
        },
        _ => Ok(None),
    }
}

/// first … fourth as 1 … 4, last as 0.
fn ordinal(word: &str) -> Option<u32> {
    match word {
        "first" | "1st" => Some(1),
        "second" | "2nd" => Some(2),
        "third" | "3rd" => Some(3),
        "fourth" | "4th" => Some(4),
        "last" => Some(0),
        _ => None,
    }
}

/// `9am`, `9:30 pm`, `09:30`, `18:00`, `noon`, `midnight`.
pub(crate) fn clock(text: &str) -> Result<NaiveTime, String> {
    let text = text.trim().replace(' ', "");
    let missing = || " (give a time of day such as 09:00 or 9am)".to_string();
    match text.as_str() {
        "" => return Err(missing()),
        "noon" | "midday" => return Ok(NaiveTime::MIN + Duration::hours(12)),
        "midnight" => return Ok(NaiveTime::MIN),
        _ => {}
    }
    let (digits, half) = if let Some(d) = text
        .strip_suffix("am")
        .or_else(|| text.strip_suffix("a.m."))
    {
        (d, Some(false))
    } else if let Some(d) = text
        .strip_suffix("pm")
        .or_else(|| text.strip_suffix("p.m."))
    {
        (d, Some(true))
    } else {
        (text.as_str(), None)
    };
    let parts: Vec<&str> = digits.split([':', '.']).collect();
    let (h, m, seconds) = match parts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, sec] => (*h, *m, *sec),
        // A bare number is a time only with am/pm: "9" could be anything.
        [h] if half.is_some() => (*h, "0", "0"),
        _ => return Err(missing()),
    };
    let (Ok(mut h), Ok(m), Ok(seconds)) =
        (h.parse::<u32>(), m.parse::<u32>(), seconds.parse::<u32>())
    else {
        return Err(missing());
    };
    if let Some(pm) = half {
        if !(1..=12).contains(&h) {
            return Err(format!(" ({h} is not an hour on a 12-hour clock)"));
        }
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    NaiveTime::from_hms_opt(h, m, seconds)
        .ok_or_else(|| format!(" ({h:02}:{m:02} is not a time of day)"))
}

impl Rule {
    /// This rule as a `repeat` (the `repeat:` option changed alone): the
    /// same time of day where it has one, or the next run for a one-off;
    /// where there is nothing to go on, the error says what to give.
    pub fn reinterpret(
        &self,
        repeat: Repeat,
        zone: Tz,
        now: DateTime<Utc>,
    ) -> Result<Rule, String> {
        let time = |t: NaiveTime| t.with_second(0).unwrap_or(t);
        let next_local = || {
            self.next_after(zone, now)
                .map(|t| t.with_timezone(&zone).naive_local())
        };
        let cron_fields = |p: &str| -> Option<(NaiveTime, String)> {
            let f: Vec<&str> = p.split(' ').collect();
            match f.as_slice() {
                [m, h, "*", "*", dow] => Some((
                    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)?,
                    dow.to_string(),
                )),
                _ => None,
            }
        };
        let give = |what: &str| {
            Err(format!(
                "To make it {}, give when: too ({what}).",
                repeat.as_str()
            ))
        };
        match (self, repeat) {
            (_, r) if r == self.repeat() => Ok(self.clone()),
            (Rule::Once(at), Repeat::Daily) => Ok(Rule::Daily(time(at.time()))),
            (Rule::Once(at), Repeat::Weekly) => Ok(Rule::Weekly(at.weekday(), time(at.time()))),
            (Rule::Daily(_) | Rule::Weekly(..), Repeat::Cron) => {
                Ok(Rule::Cron(self.cron_pattern()))
            }
            (Rule::Weekly(_, t), Repeat::Daily) => Ok(Rule::Daily(*t)),
            (Rule::Daily(t), Repeat::Weekly) => give(&format!(
                "a weekday, e.g. when:\"mon {}\"",
                t.format("%H:%M")
            )),
            (Rule::Cron(p), Repeat::Daily) => match cron_fields(p) {
                Some((t, dow)) if dow == "*" => Ok(Rule::Daily(t)),
                _ => give("a time of day, e.g. when:09:00"),
            },
            (Rule::Cron(p), Repeat::Weekly) => {
                match cron_fields(p).and_then(|(t, dow)| Some((t, dow.parse::<u8>().ok()?))) {
                    Some((t, dow)) => Ok(Rule::Weekly(weekday_from_sunday(dow), t)),
                    None => give("a weekday and time, e.g. when:\"mon 09:00\""),
                }
            }
            (_, Repeat::Once) => next_local()
                .map(Rule::Once)
                .ok_or_else(|| "It has no run still to come; give when: too.".to_string()),
            (Rule::Once(_), Repeat::Cron) => give("a cron expression, e.g. when:\"0 9 * * 1-5\""),
            (_, _) => give("a time that fits"),
        }
    }

    /// The next `n` runs after `after`.
    pub fn next_runs(&self, zone: Tz, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut runs = Vec::with_capacity(n);
        let mut at = after;
        while runs.len() < n {
            match self.next_after(zone, at) {
                Some(next) => {
                    runs.push(next);
                    at = next;
                }
                None => break,
            }
        }
        runs
    }
}

fn weekday_from_sunday(n: u8) -> Weekday {
    match n % 7 {
        0 => Weekday::Sun,
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        _ => Weekday::Sat,
    }
}

/// A note for a zone that is a fixed offset, such as `EST`: it never
/// changes for daylight saving, which is rarely what a server in that
/// region means.
pub fn fixed_offset_note(zone: Tz) -> Option<String> {
    let name = zone.name();
    let suggestion = match name {
        "EST" => "America/New_York",
        "MST" => "America/Denver (or America/Phoenix, which keeps MST all year)",
        "HST" => "Pacific/Honolulu",
        _ if name.starts_with("Etc/GMT") && name.len() > 7 => {
            "your city's zone, e.g. Europe/Berlin"
        }
        _ => return None,
    };
    Some(format!(
        "{name} is a fixed offset with no daylight saving; for local time through the year use {suggestion}."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::local;
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn berlin() -> Tz {
        "Europe/Berlin".parse().unwrap()
    }

    /// Thursday 2026-12-03, 16:00 in Berlin.
    fn now() -> DateTime<Utc> {
        utc("2026-12-03T15:00:00Z")
    }

    fn read(text: &str) -> Result<Rule, String> {
        read_when(text, None, now(), berlin())
    }

    fn cron(p: &str) -> Rule {
        Rule::Cron(p.into())
    }

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn phrases_people_type_mean_what_they_say() {
        for (text, rule) in [
            ("tomorrow 9am", Rule::Once(local(2026, 12, 4, 9, 0))),
            ("Tomorrow at 9:00", Rule::Once(local(2026, 12, 4, 9, 0))),
            ("9:30am", Rule::Once(local(2026, 12, 4, 9, 30))),
            ("18:00", Rule::Once(local(2026, 12, 3, 18, 0))),
            ("today 6pm", Rule::Once(local(2026, 12, 3, 18, 0))),
            ("monday 10:00", Rule::Once(local(2026, 12, 7, 10, 0))),
            ("thu 15:00", Rule::Once(local(2026, 12, 10, 15, 0))),
            ("in 1h30m", Rule::Once(local(2026, 12, 3, 17, 30))),
            (
                "in 2 hours and 15 minutes",
                Rule::Once(local(2026, 12, 3, 18, 15)),
            ),
            ("in an hour", Rule::Once(local(2026, 12, 3, 17, 0))),
            ("2026-12-24 18:00", Rule::Once(local(2026, 12, 24, 18, 0))),
            ("2026-12-24 6pm", Rule::Once(local(2026, 12, 24, 18, 0))),
            ("daily 09:00", Rule::Daily(at(9, 0))),
            ("every day at 7:15pm", Rule::Daily(at(19, 15))),
            ("every weekday at 9:00", cron("0 9 * * 1-5")),
            ("weekdays 8am", cron("0 8 * * 1-5")),
            ("every weekend 10:00", cron("0 10 * * 6,0")),
            ("every monday 10:00", Rule::Weekly(Weekday::Mon, at(10, 0))),
            ("mondays at 10am", Rule::Weekly(Weekday::Mon, at(10, 0))),
            ("weekly fri 17:30", Rule::Weekly(Weekday::Fri, at(17, 30))),
            ("every 2 hours", cron("0 */2 * * *")),
            ("every hour", cron("0 * * * *")),
            ("every 30 minutes", cron("*/30 * * * *")),
            ("first monday of the month 9am", cron("0 9 * * 1#1")),
            ("the last friday of the month at 17:00", cron("0 17 * * 5L")),
            ("0 9 * * 1-5", cron("0 9 * * 1-5")),
            ("cron `0 9 * * MON`", cron("0 9 * * MON")),
            ("30 8 * * MON-FRI", cron("30 8 * * MON-FRI")),
            ("noon", Rule::Once(local(2026, 12, 4, 12, 0))),
        ] {
            assert_eq!(read(text), Ok(rule), "{text}");
        }
        let ninety = read("in 90s").unwrap();
        assert_eq!(
            ninety,
            Rule::Once(local(2026, 12, 3, 16, 1) + Duration::seconds(30))
        );
        assert_eq!(ninety.to_string(), "2026-12-03 16:01:30");
    }

    #[test]
    fn what_is_not_a_time_is_refused_with_future_examples() {
        for (text, says) in [
            ("funday 9am", "can't read 'funday 9am'"),
            ("every 7 minutes", "every 5, 10, 15, 20 or 30 minutes"),
            ("every 5 hours", "every 1, 2, 3, 4, 6, 8 or 12 hours"),
            ("every fortnight 9:00", "not a day"),
            ("tomorrow", "give a time of day"),
            ("9", "give a time of day"),
            ("13pm", "not an hour on a 12-hour clock"),
            ("25:00", "not a time of day"),
            ("2026-02-30 09:00", "not a day on the calendar"),
            ("in 5 fortnights", "say how long"),
            ("second tuesday 9am", "of the month"),
            ("", "Say when"),
        ] {
            let error = read(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
            // The examples offered are still to come: tomorrow's date.
            assert!(error.contains("2026-12-04 18:00"), "{text}: {error}");
        }
        for (text, says) in [
            (
                "today 9am",
                "is 2026-12-03 09:00, which has passed in Europe/Berlin (it is 2026-12-03 16:00 there now)",
            ),
            ("2025-01-01 09:00", "has passed"),
        ] {
            let error = read(text).unwrap_err();
            assert!(error.contains(says) && error.contains("tomorrow 9am"), "{text}: {error}");
        }
    }

    #[test]
    fn repeat_overrides_and_reinterprets() {
        let read_as = |text: &str, repeat| read_when(text, Some(repeat), now(), berlin());
        assert_eq!(read_as("09:00", Repeat::Daily), Ok(Rule::Daily(at(9, 0))));
        assert_eq!(read_as("9am", Repeat::Daily), Ok(Rule::Daily(at(9, 0))));
        assert_eq!(
            read_as("mon 09:00", Repeat::Weekly),
            Ok(Rule::Weekly(Weekday::Mon, at(9, 0)))
        );
        assert_eq!(
            read_as("every day 9:00", Repeat::Cron),
            Ok(cron("0 9 * * *"))
        );
        let daily = Rule::Daily(at(9, 0));
        assert_eq!(
            daily.reinterpret(Repeat::Cron, berlin(), now()),
            Ok(cron("0 9 * * *"))
        );
        assert_eq!(
            daily.reinterpret(Repeat::Once, berlin(), now()),
            Ok(Rule::Once(local(2026, 12, 4, 9, 0)))
        );
        let error = daily
            .reinterpret(Repeat::Weekly, berlin(), now())
            .unwrap_err();
        assert!(error.contains("when:\"mon 09:00\""), "{error}");
        let weekly = Rule::Weekly(Weekday::Tue, at(8, 0));
        assert_eq!(
            weekly.reinterpret(Repeat::Daily, berlin(), now()),
            Ok(Rule::Daily(at(8, 0)))
        );
        assert_eq!(
            cron("0 8 * * 2").reinterpret(Repeat::Weekly, berlin(), now()),
            Ok(weekly)
        );
        let error = Rule::Once(local(2026, 12, 4, 9, 0))
            .reinterpret(Repeat::Cron, berlin(), now())
            .unwrap_err();
        assert!(error.contains("cron expression"), "{error}");
    }

    /// Daylight saving: a daily run in the spring gap runs once at the end
    /// of the gap, one in the autumn overlap runs once, in both zones.
    #[test]
    fn next_runs_keep_local_time_across_gaps_and_overlaps() {
        let show = |rule: &Rule, zone: Tz, from: &str| -> Vec<String> {
            rule.next_runs(zone, utc(from), 3)
                .iter()
                .map(|t| t.with_timezone(&zone).format("%m-%d %H:%M %Z").to_string())
                .collect()
        };
        let new_york: Tz = "America/New_York".parse().unwrap();
        let gap = read_when("every day 2:30am", None, now(), berlin()).unwrap();
        // Berlin springs forward 2027-03-28 02:00 → 03:00.
        assert_eq!(
            show(&gap, berlin(), "2027-03-27T12:00:00Z"),
            ["03-28 03:00 CEST", "03-29 02:30 CEST", "03-30 02:30 CEST"]
        );
        // New York springs forward 2027-03-14.
        assert_eq!(
            show(&gap, new_york, "2027-03-13T12:00:00Z"),
            ["03-14 03:00 EDT", "03-15 02:30 EDT", "03-16 02:30 EDT"]
        );
        // Autumn: 02:30 in Berlin (2027-10-31) and 01:30 in New York
        // (2027-11-07) happen twice; each runs once.
        assert_eq!(
            show(&gap, berlin(), "2027-10-30T12:00:00Z"),
            ["10-31 02:30 CEST", "11-01 02:30 CET", "11-02 02:30 CET"]
        );
        let overlap = Rule::Daily(at(1, 30));
        assert_eq!(
            show(&overlap, new_york, "2027-11-06T12:00:00Z"),
            ["11-07 01:30 EDT", "11-08 01:30 EST", "11-09 01:30 EST"]
        );
        let weekdays = read("every weekday at 9:00").unwrap();
        assert_eq!(
            show(&weekdays, berlin(), "2026-12-04T12:00:00Z"),
            ["12-07 09:00 CET", "12-08 09:00 CET", "12-09 09:00 CET"]
        );
        let first_monday = read("first monday of the month 9am").unwrap();
        assert_eq!(
            show(&first_monday, berlin(), "2026-12-03T12:00:00Z"),
            ["12-07 09:00 CET", "01-04 09:00 CET", "02-01 09:00 CET"]
        );
        let last_friday = read("last friday of the month 17:00").unwrap();
        assert_eq!(
            show(&last_friday, berlin(), "2026-12-03T12:00:00Z"),
            ["12-25 17:00 CET", "01-29 17:00 CET", "02-26 17:00 CET"]
        );
    }

    #[test]
    fn fixed_offset_zones_get_a_note() {
        let note = fixed_offset_note("EST".parse().unwrap()).unwrap();
        assert!(
            note.contains("no daylight saving") && note.contains("America/New_York"),
            "{note}"
        );
        assert_eq!(fixed_offset_note(berlin()), None);
        assert_eq!(fixed_offset_note("UTC".parse().unwrap()), None);
    }

    fn phrase() -> impl Strategy<Value = String> {
        let time = prop_oneof![
            (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
            (1u32..13, prop::bool::ANY)
                .prop_map(|(h, pm)| format!("{h}{}", if pm { "pm" } else { "am" })),
            (1u32..13, 0u32..60, prop::bool::ANY)
                .prop_map(|(h, m, pm)| format!("{h}:{m:02} {}", if pm { "PM" } else { "am" })),
        ];
        let day = prop::sample::select(vec![
            "monday",
            "tue",
            "Wednesday",
            "thu",
            "friday",
            "sat",
            "Sunday",
        ]);
        let ordinal = prop::sample::select(vec!["first", "second", "third", "fourth", "last"]);
        prop_oneof![
            time.clone(),
            time.clone().prop_map(|t| format!("tomorrow {t}")),
            time.clone().prop_map(|t| format!("today at {t}")),
            (day.clone(), time.clone()).prop_map(|(d, t)| format!("{d} {t}")),
            (day.clone(), time.clone()).prop_map(|(d, t)| format!("every {d} at {t}")),
            time.clone().prop_map(|t| format!("daily {t}")),
            time.clone().prop_map(|t| format!("every weekday at {t}")),
            time.clone().prop_map(|t| format!("every weekend {t}")),
            (ordinal, day, time.clone()).prop_map(|(o, d, t)| format!("{o} {d} of the month {t}")),
            (1u32..48, 0u32..60).prop_map(|(h, m)| format!("in {h}h{m}m")),
            (1u32..5000).prop_map(|s| format!("in {s}s")),
            prop::sample::select(vec![
                "every hour",
                "every 2 hours",
                "every 15 minutes",
                "every 12 hours"
            ])
            .prop_map(str::to_string),
            // `@N`: the zone's date N days after the moment tested.
            (1u32..366, 0u32..24).prop_map(|(d, h)| format!("@{d} {h:02}:00")),
        ]
    }

    proptest! {
        /// Every phrase read runs in the future, and its description reads
        /// back to the same schedule.
        #[test]
        fn accepted_phrases_run_later_and_read_back(text in phrase(), offset in 0i64..(400 * 86_400)) {
            let now = now() + Duration::seconds(offset);
            for zone in [berlin(), "America/New_York".parse().unwrap(), "Asia/Kolkata".parse().unwrap()] {
                let text = match text.strip_prefix('@').and_then(|t| t.split_once(' ')) {
                    Some((days, time)) => {
                        let date = now.with_timezone(&zone).date_naive()
                            + Duration::days(days.parse().unwrap());
                        format!("{} {time}", date.format("%Y-%m-%d"))
                    }
                    None => text.clone(),
                };
                let rule = match read_when(&text, None, now, zone) {
                    Ok(rule) => rule,
                    // "today 09:00" in the afternoon: refused, rightly.
                    Err(e) if e.contains("which has passed") && text.starts_with("today") => continue,
                    Err(e) => return Err(TestCaseError::fail(format!("{text}: {e}"))),
                };
                let next = rule.next_after(zone, now);
                prop_assert!(next.is_some_and(|t| t > now), "{text} in {zone}: {rule:?} next {next:?}");
                let described = rule.describe();
                prop_assert_eq!(read_when(&described, None, now, zone), Ok(rule.clone()), "{} -> {}", text, described);
                prop_assert_eq!(Rule::from_stored(rule.repeat().as_str(), &rule.to_string()), Ok(rule));
            }
        }
    }
}
