//! Following publishers: each source (a feed, or one article page) is
//! fetched on its interval, and each new article becomes a briefing that
//! the delivery loop posts to the subscribed channels. An article seen
//! before updates its briefing in place and is not posted again; what a
//! source lists when it is added is imported without being posted.
//!
//! Transport-free: the Discord adapter, the console and the command line
//! all drive the same [`Follower`].

pub mod fetch;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::clock::SharedClock;
use crate::domain::feed::{self, Feed, FeedItem};
use crate::domain::html::{self, Extracted, Hints};
use crate::domain::Briefing;
use crate::posting::Wake;
use crate::store::{
    Db, FetchRecord, FollowedSource, NewDelivery, NewSource, Origin, Payload, SaveOutcome,
    StoreError,
};
pub use fetch::{FetchError, FetchPolicy, Fetcher, Validators};

/// The shortest interval a source may have.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);
/// Waits asked by servers (`Retry-After`, `max-age`) are honoured up to this.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(24 * 3600);
/// Article pages fetched for one dry run.
const CHECK_PAGES: usize = 10;

#[derive(Debug, Clone)]
pub struct FollowConfig {
    pub fetch: FetchPolicy,
    /// Consecutive failures before a source is disabled.
    pub max_failures: i64,
    /// The longest wait between attempts of a failing source.
    pub max_backoff: Duration,
    /// Sources fetched at the same time (each host still one at a time).
    pub concurrency: usize,
}

impl Default for FollowConfig {
    fn default() -> Self {
        Self {
            fetch: FetchPolicy::default(),
            max_failures: 10,
            max_backoff: Duration::from_secs(6 * 3600),
            concurrency: 8,
        }
    }
}

/// What happened to one article of a fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ArticleStatus {
    Imported {
        briefing_id: i64,
        posted: bool,
    },
    Updated {
        briefing_id: i64,
    },
    Unchanged,
    /// Read at the next round: this one fetched its share of pages.
    Later,
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleReport {
    pub url: Option<String>,
    pub title: Option<String>,
    #[serde(flatten)]
    pub status: ArticleStatus,
    pub notes: Vec<String>,
}

/// What one source's fetch came to.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source_id: i64,
    pub source: String,
    /// `None` when the fetch worked (or the server said "not modified").
    pub error: Option<String>,
    pub not_modified: bool,
    pub articles: Vec<ArticleReport>,
    /// Set when this failure disabled the source.
    pub disabled: Option<String>,
}

impl SourceReport {
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// What a round of fetching has got to.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// This many sources are due this round.
    Due(usize),
    /// One of them is done.
    Done(&'a SourceReport),
}

/// A source's articles as a dry run reads them.
#[derive(Debug)]
pub struct Preview {
    pub kind: &'static str,
    pub articles: Vec<Result<Extracted, String>>,
    /// Feed items not read (only the first few pages are fetched).
    pub more: usize,
}

/// What a source's URL gave.
enum Reading {
    NotModified,
    Feed(Feed),
    Page { html: String, url: String },
}

/// One article to save: its identity in the source, its briefing, and
/// what to report.
struct Article {
    guid: String,
    url: Option<String>,
    fingerprint: String,
    read: Read,
}

/// What became of one article's text this round.
enum Read {
    Extracted(Box<Extracted>),
    /// Its feed item is as it was: nothing fetched.
    Unchanged,
    /// Left for the next round (this round fetched its share of pages).
    Later,
    Failed(String),
}

impl From<Result<Extracted, String>> for Read {
    fn from(result: Result<Extracted, String>) -> Self {
        match result {
            Ok(extracted) => Read::Extracted(Box::new(extracted)),
            Err(reason) => Read::Failed(reason),
        }
    }
}

/// Article pages fetched per source and round, at most: a feed listing
/// many new articles (or a hostile one pointing at a slow server) takes a
/// few rounds instead of holding up the others.
const PAGES_PER_ROUND: usize = 10;

#[derive(Clone)]
pub struct Follower {
    db: Db,
    clock: SharedClock,
    wake: Wake,
    fetcher: Arc<Fetcher>,
    config: Arc<FollowConfig>,
}

impl Follower {
    pub fn new(
        db: Db,
        clock: SharedClock,
        wake: Wake,
        config: FollowConfig,
    ) -> Result<Self, FetchError> {
        Ok(Self {
            fetcher: Arc::new(Fetcher::new(config.fetch.clone())?),
            db,
            clock,
            wake,
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &FollowConfig {
        &self.config
    }

    /// Checks and adds a source, due after its interval: the caller fetches
    /// it at once with [`Self::fetch_source`] (so the running loop does not
    /// fetch it a second time meanwhile).
    pub async fn add(&self, new: NewSource) -> Result<FollowedSource, String> {
        let url = normalise_url(&new.url)?;
        self.fetcher
            .policy()
            .check_url(&url)
            .map_err(|e| e.to_string())?;
        let interval = Duration::from_secs(new.interval_seconds.max(0) as u64);
        if interval < MIN_INTERVAL {
            return Err(format!(
                "the interval must be at least {} minute",
                MIN_INTERVAL.as_secs() / 60
            ));
        }
        let now = self.clock.now_ms();
        let new = NewSource {
            url: url.to_string(),
            ..new
        };
        let added = self
            .db
            .call(move |s| s.add_source(&new, now))
            .await
            .map_err(|e| e.to_string())?;
        Ok(added)
    }

    /// Fetches every due source (every enabled one with `all`) and imports
    /// what changed. Hosts are fetched side by side (at most
    /// `concurrency` requests at once), each host's sources one after the
    /// other, so a slow host holds up only its own sources.
    pub async fn fetch_due(&self, all: bool) -> Result<Vec<SourceReport>, StoreError> {
        self.fetch_due_showing(all, Arc::new(|_: Progress<'_>| {}))
            .await
    }

    /// [`Self::fetch_due`], telling `progress` how many sources are due and
    /// each one's report as it finishes (for a progress bar).
    pub async fn fetch_due_showing(
        &self,
        all: bool,
        progress: Arc<dyn Fn(Progress<'_>) + Send + Sync>,
    ) -> Result<Vec<SourceReport>, StoreError> {
        let now = self.clock.now_ms();
        let due = self
            .db
            .read(move |s| s.due_sources(now, all, 10_000))
            .await?;
        progress(Progress::Due(due.len()));
        let mut by_host: std::collections::BTreeMap<String, Vec<(usize, FollowedSource)>> =
            Default::default();
        for (order, source) in due.into_iter().enumerate() {
            let host = reqwest::Url::parse(&source.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .unwrap_or_default();
            by_host.entry(host).or_default().push((order, source));
        }
        let limit = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (_, sources) in by_host {
            let this = self.clone();
            let limit = Arc::clone(&limit);
            let progress = Arc::clone(&progress);
            tasks.spawn(async move {
                let mut reports = Vec::new();
                for (order, source) in sources {
                    let _turn = limit.acquire().await;
                    let report = this.fetch_source(source).await?;
                    progress(Progress::Done(&report));
                    reports.push((order, report));
                }
                Ok::<_, StoreError>(reports)
            });
        }
        let mut reports = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(host_reports)) => reports.extend(host_reports),
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(StoreError::Task(e.to_string())),
            }
        }
        reports.sort_by_key(|(order, _)| *order);
        Ok(reports.into_iter().map(|(_, r)| r).collect())
    }

    /// Fetches one source now, imports its new and changed articles, and
    /// records the outcome (backing off, and disabling after too many
    /// failures).
    pub async fn fetch_source(&self, source: FollowedSource) -> Result<SourceReport, StoreError> {
        let validators = Validators {
            etag: source.etag.clone(),
            last_modified: source.last_modified.clone(),
        };
        let mut report = SourceReport {
            source_id: source.id,
            source: source.public_label(),
            error: None,
            not_modified: false,
            articles: Vec::new(),
            disabled: None,
        };
        match self.read(&source.url, &validators).await {
            Ok((reading, fetched_validators, max_age)) => {
                let wait = Duration::from_secs(source.interval_seconds.max(60) as u64)
                    .max(max_age.unwrap_or_default().min(MAX_SERVER_WAIT));
                match reading {
                    Reading::NotModified => report.not_modified = true,
                    reading => {
                        let (feed_title, feed_icon) = match &reading {
                            Reading::Feed(feed) => (feed.title.clone(), feed.icon.clone()),
                            _ => (None, None),
                        };
                        // The avatar of posts made under the publisher's name.
                        if let Some(icon) = feed_icon {
                            let id = source.id;
                            self.db.call(move |s| s.set_source_icon(id, &icon)).await?;
                        }
                        let articles = self.articles_of(&source, reading).await;
                        if source.name.is_none() {
                            // A source added without a name takes its site's:
                            // the feed's title, else the page's site name.
                            let site = feed_title.or_else(|| {
                                articles.iter().find_map(|a| match &a.read {
                                    Read::Extracted(e) => e.briefing.source.name.clone(),
                                    _ => None,
                                })
                            });
                            if let Some(site) = site {
                                let (id, name) = (source.id, site.clone());
                                self.db
                                    .call(move |s| s.name_source_if_unnamed(id, &name))
                                    .await?;
                                report.source = site;
                            }
                        }
                        report.articles = self.save(&source, articles).await?;
                    }
                }
                // A 304 need not repeat the validators: keep the ones it answered.
                let kept = if report.not_modified {
                    Validators {
                        etag: fetched_validators.etag.or(validators.etag),
                        last_modified: fetched_validators
                            .last_modified
                            .or(validators.last_modified),
                    }
                } else {
                    fetched_validators
                };
                let now = self.clock.now_ms();
                let record = FetchRecord::Success {
                    etag: kept.etag,
                    last_modified: kept.last_modified,
                    next_fetch_at: now + wait.as_millis() as i64,
                };
                let id = source.id;
                self.db
                    .call(move |s| s.record_fetch(id, &record, now))
                    .await?;
                let posted = report
                    .articles
                    .iter()
                    .any(|a| matches!(a.status, ArticleStatus::Imported { posted: true, .. }));
                if posted {
                    self.wake.notify();
                }
                for article in &report.articles {
                    if let ArticleStatus::Failed { reason } = &article.status {
                        tracing::warn!(source = %report.source, url = article.url.as_deref().unwrap_or("-"), %reason, "an article could not be imported");
                    }
                }
            }
            Err(error) => {
                report.error = Some(error.to_string());
                report.disabled = self.record_failure(&source, &error).await?;
            }
        }
        Ok(report)
    }

    async fn record_failure(
        &self,
        source: &FollowedSource,
        error: &FetchError,
    ) -> Result<Option<String>, StoreError> {
        let now = self.clock.now_ms();
        let interval = Duration::from_secs(source.interval_seconds.max(60) as u64);
        let backoff = interval
            .saturating_mul(1u32 << source.failures.clamp(0, 16))
            .min(self.config.max_backoff);
        let wait = backoff.max(error.retry_after().unwrap_or_default().min(MAX_SERVER_WAIT));
        let record = FetchRecord::Failure {
            error: error.to_string(),
            next_fetch_at: now + wait.as_millis() as i64,
        };
        let id = source.id;
        let failures = self
            .db
            .call(move |s| s.record_fetch(id, &record, now))
            .await?;
        tracing::warn!(source = %source.public_label(), url = %source.masked_url(), failures, retry_in_s = wait.as_secs(), %error, "fetching a source failed");
        if failures < self.config.max_failures {
            return Ok(None);
        }
        let reason =
            format!("disabled after {failures} failed fetches in a row; the last: {error}");
        let notice = format!(
            "Briefbot stopped following **{}** (<{}>): {reason}. The bot's operator can turn it back on with `briefbot source enable {id}`.",
            crate::domain::text::escape_markdown(&source.public_label()),
            source.masked_url()
        );
        let why = reason.clone();
        let told = self
            .db
            .call(move |s| {
                s.in_transaction(|s| {
                    s.set_source_enabled(id, false, Some(&why), now)?;
                    let channels = s.log_channels_receiving(id)?;
                    for (guild, channel) in &channels {
                        let delivery = NewDelivery::pending(
                            *guild,
                            *channel,
                            Origin::Notice,
                            Payload::Notice(notice.clone()),
                            now,
                        );
                        s.insert_delivery(&delivery, now)?;
                    }
                    Ok(channels.len())
                })
            })
            .await?;
        tracing::error!(source = %source.public_label(), url = %source.masked_url(), servers_told = told, "{reason}");
        if told > 0 {
            self.wake.notify();
        }
        Ok(Some(reason))
    }

    /// Fetches `url` and reads it as a feed or an article page.
    async fn read(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<(Reading, Validators, Option<Duration>), FetchError> {
        let fetched = self.fetcher.get(url, validators).await?;
        let Some(body) = fetched.body else {
            return Ok((Reading::NotModified, fetched.validators, fetched.max_age));
        };
        let reading = if feed::looks_like_feed(&body, fetched.content_type.as_deref()) {
            // The raw bytes: feed-rs reads the XML's own encoding.
            let parsed = tokio::task::spawn_blocking(move || feed::parse(&body))
                .await
                .map_err(|e| FetchError::Network(e.to_string()))?;
            Reading::Feed(parsed.map_err(FetchError::Network)?)
        } else {
            Reading::Page {
                html: html::decode_page(&body, fetched.content_type.as_deref()),
                url: fetched.final_url,
            }
        };
        Ok((reading, fetched.validators, fetched.max_age))
    }

    /// The articles a reading holds, oldest first, skipping feed items
    /// unchanged since the last fetch (their pages are not fetched again).
    async fn articles_of(&self, source: &FollowedSource, reading: Reading) -> Vec<Article> {
        match reading {
            Reading::NotModified => Vec::new(),
            Reading::Page { html, url } => {
                let fingerprint = hex(Sha256::digest(html.as_bytes()).as_slice());
                let hints = Hints {
                    url: Some(url.clone()),
                    ..Hints::default()
                };
                let read = extract_page(html, hints).await.into();
                vec![Article {
                    guid: source.url.clone(),
                    url: Some(url),
                    fingerprint,
                    read,
                }]
            }
            Reading::Feed(feed) => {
                let mut articles = Vec::new();
                let mut pages = 0;
                for item in feed.items.iter().rev() {
                    let (id, guid) = (source.id, item.guid.clone());
                    let known = self.db.read(move |s| s.known_article(id, &guid)).await;
                    let unchanged = matches!(&known, Ok(Some(k)) if k.briefing_id.is_some() && k.fingerprint.as_deref() == Some(item.fingerprint.as_str()));
                    if unchanged {
                        articles.push(Article {
                            guid: item.guid.clone(),
                            url: item.url.clone(),
                            fingerprint: item.fingerprint.clone(),
                            read: Read::Unchanged,
                        });
                        continue;
                    }
                    let needs_page = !item
                        .content
                        .as_deref()
                        .is_some_and(html::fragment_is_structured)
                        && item.url.is_some();
                    let read = if needs_page && pages >= PAGES_PER_ROUND {
                        Read::Later
                    } else {
                        pages += usize::from(needs_page);
                        self.item_briefing(&feed, item).await.into()
                    };
                    articles.push(Article {
                        guid: item.guid.clone(),
                        url: item.url.clone(),
                        fingerprint: item.fingerprint.clone(),
                        read,
                    });
                }
                articles
            }
        }
    }

    /// A feed item's briefing: from its full content when that holds the
    /// structured article, else from its page.
    async fn item_briefing(&self, feed: &Feed, item: &FeedItem) -> Result<Extracted, String> {
        let hints = item.hints(feed);
        if let Some(content) = item
            .content
            .clone()
            .filter(|c| html::fragment_is_structured(c))
        {
            return extract_fragment(content, hints).await;
        }
        match &item.url {
            Some(url) => {
                let fetched = self
                    .fetcher
                    .get(url, &Validators::default())
                    .await
                    .map_err(|e| format!("fetching the article page failed: {e}"))?;
                let body = fetched.body.unwrap_or_default();
                let page = html::decode_page(&body, fetched.content_type.as_deref());
                extract_page(page, hints).await
            }
            None => match item.content.clone() {
                Some(content) => extract_fragment(content, hints).await,
                None => Err("the feed item has neither content nor a link".into()),
            },
        }
    }

    /// Saves the articles: new ones imported (and posted, unless this is the
    /// source's first fetch and they are not among the backfill), changed
    /// ones updated in place.
    async fn save(
        &self,
        source: &FollowedSource,
        articles: Vec<Article>,
    ) -> Result<Vec<ArticleReport>, StoreError> {
        let first_fetch = source.first_success_at.is_none();
        let backfill_from = articles
            .len()
            .saturating_sub(source.backfill.max(0) as usize);
        let mut reports = Vec::new();
        for (index, article) in articles.into_iter().enumerate() {
            let Article {
                guid,
                url,
                fingerprint,
                read,
            } = article;
            let announce = !first_fetch || index >= backfill_from;
            let extracted = match read {
                Read::Extracted(extracted) => *extracted,
                Read::Unchanged | Read::Later | Read::Failed(_) => {
                    let status = match read {
                        Read::Unchanged => ArticleStatus::Unchanged,
                        Read::Failed(reason) => ArticleStatus::Failed { reason },
                        _ => {
                            // Listed now: on a first fetch it is backlog
                            // however late it is read.
                            let (id, guid, link, now) =
                                (source.id, guid.clone(), url.clone(), self.clock.now_ms());
                            self.db
                                .call(move |s| {
                                    s.remember_article(id, &guid, link.as_deref(), announce, now)
                                })
                                .await?;
                            ArticleStatus::Later
                        }
                    };
                    reports.push(ArticleReport {
                        url,
                        title: None,
                        status,
                        notes: Vec::new(),
                    });
                    continue;
                }
            };
            let mut briefing = extracted.briefing;
            add_categories(&mut briefing, &source.categories);
            let mut notes = extracted.notes;
            if briefing.key_questions.is_empty() && !source.questions.is_empty() {
                briefing.key_questions = source.questions.clone();
                notes.retain(|n| !n.starts_with("no Key Questions"));
                notes.push(
                    "no Key Questions on the page: the source's own questions are asked".into(),
                );
            }
            if briefing.source.name.is_none() {
                briefing.source.name = source.name.clone();
            }
            let (id, now) = (source.id, self.clock.now_ms());
            let title = briefing.title.clone();
            let link = url.clone();
            let saved = self
                .db
                .call(move |s| {
                    s.save_article(
                        id,
                        &guid,
                        link.as_deref(),
                        &fingerprint,
                        &briefing,
                        announce,
                        now,
                    )
                })
                .await;
            let status = match saved {
                Ok((SaveOutcome::Imported, briefing_id, posted)) => ArticleStatus::Imported {
                    briefing_id,
                    posted,
                },
                Ok((SaveOutcome::Updated, briefing_id, _)) => {
                    ArticleStatus::Updated { briefing_id }
                }
                Ok((SaveOutcome::Unchanged, ..)) => ArticleStatus::Unchanged,
                Err(StoreError::Refused(reason)) => ArticleStatus::Failed { reason },
                Err(e) => return Err(e),
            };
            reports.push(ArticleReport {
                url,
                title: Some(title),
                status,
                notes,
            });
        }
        Ok(reports)
    }

    /// Reads a URL (a source id's, or any) as a source would be read,
    /// storing nothing: what `source check` prints.
    pub async fn preview(&self, url: &str) -> Result<Preview, String> {
        let url = normalise_url(url)?;
        let (reading, _, _) = self
            .read(url.as_str(), &Validators::default())
            .await
            .map_err(|e| e.to_string())?;
        match reading {
            Reading::NotModified => {
                Err("the server answered 304 Not Modified to a plain request".into())
            }
            Reading::Page { html, url } => {
                let hints = Hints {
                    url: Some(url),
                    ..Hints::default()
                };
                Ok(Preview {
                    kind: "an article page",
                    articles: vec![extract_page(html, hints).await],
                    more: 0,
                })
            }
            Reading::Feed(feed) => {
                let mut articles = Vec::new();
                for item in feed.items.iter().take(CHECK_PAGES) {
                    articles.push(self.item_briefing(&feed, item).await);
                }
                Ok(Preview {
                    kind: "a feed",
                    more: feed.items.len().saturating_sub(CHECK_PAGES),
                    articles,
                })
            }
        }
    }

    /// Imports one article page (`briefbot import-url`), posted like any
    /// new briefing.
    pub async fn import_page(&self, url: &str) -> Result<(SaveOutcome, i64, Extracted), String> {
        let url = normalise_url(url)?;
        let (reading, _, _) = self
            .read(url.as_str(), &Validators::default())
            .await
            .map_err(|e| e.to_string())?;
        let Reading::Page { html, url } = reading else {
            return Err(
                "that address is a feed, not an article page; follow it with `briefbot source add`"
                    .into(),
            );
        };
        let hints = Hints {
            url: Some(url),
            ..Hints::default()
        };
        let mut extracted = extract_page(html, hints).await?;
        // The same article read before (from a feed, say) keeps what that
        // reading gave and this page does not say.
        let reading = extracted.briefing.clone();
        let earlier = self
            .db
            .read(move |s| s.find_article(&reading))
            .await
            .map_err(|e| e.to_string())?;
        if let Some(earlier) = earlier {
            let kept = extracted.briefing.keep_from(&earlier.briefing);
            if !kept.is_empty() {
                extracted.notes.push(format!(
                    "kept the {} of #{} (the page does not give them)",
                    kept.join(", "),
                    earlier.id
                ));
            }
        }
        let briefing = extracted.briefing.clone();
        let (outcome, id) = self
            .db
            .call(move |s| s.save_briefing(&briefing))
            .await
            .map_err(|e| e.to_string())?;
        if outcome == SaveOutcome::Imported {
            self.wake.notify();
        }
        Ok((outcome, id, extracted))
    }

    /// Fetches sources as they fall due until `stop`: sleeps until the next
    /// one is due, looking again at least every minute for sources added or
    /// enabled by another process (`briefbot source add`).
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        tracing::info!("following sources");
        loop {
            match self.fetch_due(false).await {
                Ok(reports) => {
                    let changed = |r: &&SourceReport| {
                        r.articles
                            .iter()
                            .any(|a| !matches!(a.status, ArticleStatus::Unchanged))
                    };
                    for report in reports.iter().filter(changed) {
                        let count = |f: fn(&ArticleStatus) -> bool| {
                            report.articles.iter().filter(|a| f(&a.status)).count()
                        };
                        tracing::info!(
                            source = %report.source,
                            imported = count(|s| matches!(s, ArticleStatus::Imported { .. })),
                            updated = count(|s| matches!(s, ArticleStatus::Updated { .. })),
                            failed = count(|s| matches!(s, ArticleStatus::Failed { .. })),
                            "fetched a source"
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not read the sources"),
            }
            let next = self.db.read(|s| s.next_source_due()).await.ok().flatten();
            let now = self.clock.now_ms();
            let wait_ms = next.map_or(60_000, |at| (at - now).clamp(0, 60_000));
            tokio::select! {
                _ = &mut stop => break,
                _ = self.clock.sleep_until(crate::clock::from_ms(now + wait_ms)) => {}
            }
        }
        tracing::info!("stopped following sources");
    }
}

async fn extract_page(html: String, hints: Hints) -> Result<Extracted, String> {
    tokio::task::spawn_blocking(move || {
        html::article_page(&html, &hints).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

async fn extract_fragment(html: String, hints: Hints) -> Result<Extracted, String> {
    tokio::task::spawn_blocking(move || {
        html::article_fragment(&html, &hints).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

fn add_categories(briefing: &mut Briefing, extra: &[String]) {
    for category in extra {
        if !briefing
            .categories
            .iter()
            .any(|c| c.eq_ignore_ascii_case(category))
        {
            briefing.categories.push(category.clone());
        }
    }
    briefing
        .categories
        .truncate(crate::domain::bounds::MAX_CATEGORIES);
}

/// A source URL checked for shape: absolute http(s) with a host, at most
/// 2,048 characters.
pub fn normalise_url(url: &str) -> Result<reqwest::Url, String> {
    let url = url.trim();
    crate::domain::bounds::check_url(url)?;
    reqwest::Url::parse(url).map_err(|e| format!("{url} is not a web address: {e}"))
}

/// "90s", "10m", "2h", "1d", or minutes as a bare number.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not an interval like 90s, 10m, 2h or 1d"))?;
    let seconds = match unit.trim() {
        "s" | "sec" | "secs" => number,
        "" | "m" | "min" | "mins" => number.saturating_mul(60),
        "h" | "hour" | "hours" => number.saturating_mul(3600),
        "d" | "day" | "days" => number.saturating_mul(86_400),
        other => return Err(format!("unknown unit '{other}': use s, m, h or d")),
    };
    if seconds < MIN_INTERVAL.as_secs() {
        return Err("the interval must be at least 1 minute".into());
    }
    Ok(Duration::from_secs(seconds))
}

/// "10 minutes", "2 hours", "90 seconds".
pub fn describe_interval(interval: Duration) -> String {
    let s = interval.as_secs();
    let (n, unit) = if s > 0 && s.is_multiple_of(86_400) {
        (s / 86_400, "day")
    } else if s > 0 && s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else if s > 0 && s.is_multiple_of(60) {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_interval("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_interval("15"), Ok(Duration::from_secs(900)));
        assert!(parse_interval("30s")
            .unwrap_err()
            .contains("at least 1 minute"));
        assert!(parse_interval("5w").is_err());
    }
}
