//! Every `custom_id` the bot puts on a button or a form, in one place. A
//! button is routed by its id alone (so it keeps working after a restart),
//! so the id carries all the press needs. The text forms are stable: ids on
//! messages posted by earlier versions still parse.

use std::fmt;
use std::str::FromStr;

use super::view::limits;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomId {
    /// `list:<page>:<category>`: a page of `/briefing list`.
    ListPage { page: u64, category: Option<String> },
    /// `discussion:<briefing>:<question>:<page>`: a page of `/discussion`.
    DiscussionPage {
        briefing: i64,
        question: Option<i64>,
        page: u64,
    },
    /// `answer:q<question>`: the Answer button under a key question.
    Answer { question: i64 },
    /// `answer-form:q<question>`: the form that button opens.
    AnswerForm { question: i64 },
    /// `answer-edit:<answer>`: the Edit button on a shown answer.
    EditAnswer { answer: i64 },
    /// `answer-edit-form:<answer>`: the form it opens.
    EditForm { answer: i64 },
    /// `answer-delete:<answer>`: the Delete button on a shown answer.
    DeleteAnswer { answer: i64 },
    /// `forget-me:<user>`: the confirmation of `/forget-me`, for that member only.
    ForgetMe { user: u64 },
    /// `forget-me-keep:<user>`: declining it.
    KeepAnswers { user: u64 },
    /// `schedule-cancel:<yes|no>:<schedule>`: the answer to "cancel it?".
    CancelSchedule { schedule: i64, confirmed: bool },
}

impl fmt::Display for CustomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomId::ListPage { page, category } => {
                // A long category is cut so the id keeps Discord's limit;
                // the page it opens then names the cut category.
                let text = format!("list:{page}:{}", category.as_deref().unwrap_or(""));
                f.write_str(&text.chars().take(limits::CUSTOM_ID).collect::<String>())
            }
            CustomId::DiscussionPage {
                briefing,
                question,
                page,
            } => write!(
                f,
                "discussion:{briefing}:{}:{page}",
                question.map(|q| q.to_string()).unwrap_or_default()
            ),
            CustomId::Answer { question } => write!(f, "answer:q{question}"),
            CustomId::AnswerForm { question } => write!(f, "answer-form:q{question}"),
            CustomId::EditAnswer { answer } => write!(f, "answer-edit:{answer}"),
            CustomId::EditForm { answer } => write!(f, "answer-edit-form:{answer}"),
            CustomId::DeleteAnswer { answer } => write!(f, "answer-delete:{answer}"),
            CustomId::ForgetMe { user } => write!(f, "forget-me:{user}"),
            CustomId::KeepAnswers { user } => write!(f, "forget-me-keep:{user}"),
            CustomId::CancelSchedule {
                schedule,
                confirmed,
            } => write!(
                f,
                "schedule-cancel:{}:{schedule}",
                if *confirmed { "yes" } else { "no" }
            ),
        }
    }
}

/// A `custom_id` that is not one of ours (another bot's, or garbled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOurs;

impl FromStr for CustomId {
    type Err = NotOurs;

    fn from_str(text: &str) -> Result<Self, NotOurs> {
        let (kind, rest) = text.split_once(':').ok_or(NotOurs)?;
        let number = |t: &str| t.parse::<i64>().map_err(|_| NotOurs);
        let question = |t: &str| number(t.strip_prefix('q').ok_or(NotOurs)?);
        Ok(match kind {
            "list" => {
                let (page, category) = rest.split_once(':').ok_or(NotOurs)?;
                CustomId::ListPage {
                    page: page.parse().map_err(|_| NotOurs)?,
                    category: (!category.is_empty()).then(|| category.to_string()),
                }
            }
            "discussion" => {
                let mut parts = rest.splitn(3, ':');
                let (briefing, q, page) = (
                    parts.next().ok_or(NotOurs)?,
                    parts.next().ok_or(NotOurs)?,
                    parts.next().ok_or(NotOurs)?,
                );
                CustomId::DiscussionPage {
                    briefing: number(briefing)?,
                    question: if q.is_empty() { None } else { Some(number(q)?) },
                    page: page.parse().map_err(|_| NotOurs)?,
                }
            }
            "answer" => CustomId::Answer {
                question: question(rest)?,
            },
            "answer-form" => CustomId::AnswerForm {
                question: question(rest)?,
            },
            "answer-edit" => CustomId::EditAnswer {
                answer: number(rest)?,
            },
            "answer-edit-form" => CustomId::EditForm {
                answer: number(rest)?,
            },
            "answer-delete" => CustomId::DeleteAnswer {
                answer: number(rest)?,
            },
            "forget-me" => CustomId::ForgetMe {
                user: rest.parse().map_err(|_| NotOurs)?,
            },
            "forget-me-keep" => CustomId::KeepAnswers {
                user: rest.parse().map_err(|_| NotOurs)?,
            },
            "schedule-cancel" => {
                let (answer, schedule) = rest.split_once(':').ok_or(NotOurs)?;
                CustomId::CancelSchedule {
                    schedule: number(schedule)?,
                    confirmed: match answer {
                        "yes" => true,
                        "no" => false,
                        _ => return Err(NotOurs),
                    },
                }
            }
            _ => return Err(NotOurs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_posted_by_earlier_versions_still_parse() {
        for (text, id) in [
            (
                "list:2:",
                CustomId::ListPage {
                    page: 2,
                    category: None,
                },
            ),
            (
                "list:1:Energy: Oil",
                CustomId::ListPage {
                    page: 1,
                    category: Some("Energy: Oil".into()),
                },
            ),
            (
                "discussion:4::3",
                CustomId::DiscussionPage {
                    briefing: 4,
                    question: None,
                    page: 3,
                },
            ),
            ("answer:q12", CustomId::Answer { question: 12 }),
            ("answer-form:q12", CustomId::AnswerForm { question: 12 }),
            ("answer-edit:7", CustomId::EditAnswer { answer: 7 }),
            ("answer-edit-form:7", CustomId::EditForm { answer: 7 }),
            ("answer-delete:7", CustomId::DeleteAnswer { answer: 7 }),
            (
                "forget-me:440000000000000004",
                CustomId::ForgetMe {
                    user: 440_000_000_000_000_004,
                },
            ),
            ("forget-me-keep:5", CustomId::KeepAnswers { user: 5 }),
            (
                "schedule-cancel:yes:3",
                CustomId::CancelSchedule {
                    schedule: 3,
                    confirmed: true,
                },
            ),
        ] {
            assert_eq!(text.parse::<CustomId>(), Ok(id.clone()), "{text}");
            assert_eq!(id.to_string(), text);
        }
        for bad in [
            "",
            "list",
            "list:x:",
            "answer:12",
            "schedule-cancel:maybe:1",
            "other:1",
            "answer-edit:",
        ] {
            assert_eq!(bad.parse::<CustomId>(), Err(NotOurs), "{bad:?}");
        }
    }
}
