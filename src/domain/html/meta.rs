//! What a page says about its article besides the text: title, address,
//! date, author, lead image, site name, categories. Read from, in order,
//! JSON-LD (`NewsArticle`, `BlogPosting` ..., also inside `@graph`),
//! microdata (`itemprop`), Open Graph and the common `<meta>` names, then
//! the markup (`<time>`, `rel=author`, a byline).

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use super::blocks::{collapse, text_of};
use crate::domain::bounds;

/// JSON-LD scripts read, and bytes of each: a page's own metadata is small.
const MAX_JSON_LD: usize = 8;
const MAX_JSON_LD_BYTES: usize = 256 * 1024;

/// JSON-LD types that describe an article.
const ARTICLE_TYPES: &[&str] = &[
    "Article",
    "NewsArticle",
    "BlogPosting",
    "Report",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "ReportageNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "ScholarlyArticle",
    "TechArticle",
    "LiveBlogPosting",
    "WebPage",
];

/// `<meta>` names and properties of a publication date, most exact first.
const DATE_META: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "datePublished",
    "date",
    "DC.date.issued",
    "dc.date",
    "DC.date",
    "dcterms.created",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
    "og:updated_time",
    "article:modified_time",
];

/// `<meta>` names of the author.
const AUTHOR_META: &[&str] = &["author", "article:author", "parsely-author", "dc.creator"];

/// The page's metadata.
#[derive(Default)]
pub(super) struct PageMeta {
    pub heading_title: Option<String>,
    pub og_title: Option<String>,
    pub html_title: Option<String>,
    pub canonical: Option<String>,
    pub published: Option<NaiveDate>,
    pub author: Option<String>,
    pub image: Option<String>,
    pub site_name: Option<String>,
    pub tagline: Option<String>,
    pub categories: Vec<String>,
}

impl PageMeta {
    pub fn read(document: &Html) -> Self {
        let meta = |name: &str| meta_content(document, name);
        let ld = JsonLd::read(document);
        let heading_title = ["h1.entry-title", "article h1", "main h1", "h1"]
            .iter()
            .find_map(|s| first(document, s))
            .map(|h| collapse(&text_of(h)))
            .filter(|t| !t.is_empty());
        let published = ld
            .date
            .as_deref()
            .and_then(date_of)
            .or_else(|| itemprop(document, "datePublished").and_then(|t| date_of(&t)))
            .or_else(|| {
                DATE_META
                    .iter()
                    .find_map(|name| meta(name).and_then(|t| date_of(&t)))
            })
            .or_else(|| {
                first(document, "article time[datetime], time[datetime]")
                    .and_then(|t| t.attr("datetime"))
                    .and_then(date_of)
            })
            .or_else(|| first(document, "time").and_then(|t| date_of(&text_of(t))));
        let author = ld
            .author
            .clone()
            .or_else(|| itemprop(document, "author"))
            .or_else(|| AUTHOR_META.iter().find_map(|name| meta(name)))
            .or_else(|| {
                first(
                    document,
                    "a[rel~=\"author\"], .byline .author, .author-name, .byline",
                )
                .map(|a| collapse(&text_of(a)))
            })
            .map(|a| byline(&a))
            .filter(|a| !a.is_empty() && a.chars().count() <= 120 && !is_address(a));
        let image = ld
            .image
            .clone()
            .into_iter()
            .chain(meta("og:image"))
            .chain(meta("og:image:url"))
            .chain(meta("twitter:image"))
            .map(|url| url.trim().to_string())
            .find(|url| bounds::check_url(url).is_ok());
        // An address that is not absolute http(s) is ignored, not fatal.
        let canonical = first(document, "link[rel=\"canonical\"]")
            .and_then(|l| l.attr("href"))
            .map(str::trim)
            .map(str::to_string)
            .into_iter()
            .chain(meta("og:url"))
            .find(|url| bounds::check_url(url).is_ok());
        let mut categories: Vec<String> = Vec::new();
        if let Ok(selector) = Selector::parse("a[rel~=\"category\"]") {
            for link in document.select(&selector) {
                let name = collapse(&text_of(link));
                if !name.is_empty() && !categories.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                    categories.push(name);
                }
            }
        }
        Self {
            heading_title,
            og_title: meta("og:title").or(ld.headline),
            html_title: first(document, "title")
                .map(|t| collapse(&text_of(t)))
                .filter(|t| !t.is_empty()),
            canonical,
            published,
            author,
            image,
            site_name: meta("og:site_name"),
            tagline: first(document, ".site-description")
                .map(|t| collapse(&text_of(t)))
                .filter(|t| !t.is_empty()),
            categories,
        }
    }
}

/// What the page's JSON-LD says of its article.
#[derive(Default)]
struct JsonLd {
    headline: Option<String>,
    date: Option<String>,
    author: Option<String>,
    image: Option<String>,
}

impl JsonLd {
    fn read(document: &Html) -> Self {
        let mut found = Self::default();
        let Ok(scripts) = Selector::parse("script[type=\"application/ld+json\"]") else {
            return found;
        };
        for script in document.select(&scripts).take(MAX_JSON_LD) {
            let text: String = script.text().collect();
            if text.len() > MAX_JSON_LD_BYTES {
                continue;
            }
            // Sites publish JSON-LD with stray control characters; a
            // script that still does not parse is skipped.
            let text = text.replace(['\n', '\r', '\t'], " ");
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            for item in items(&value) {
                if !is_article(item) {
                    continue;
                }
                let field = |name: &str| item.get(name).and_then(string_of);
                found.headline = found.headline.or_else(|| field("headline"));
                found.date = found
                    .date
                    .or_else(|| field("datePublished"))
                    .or_else(|| field("dateCreated"));
                found.author = found
                    .author
                    .or_else(|| item.get("author").and_then(name_of));
                found.image = found.image.or_else(|| item.get("image").and_then(url_of));
            }
        }
        found
    }
}

/// The objects of a JSON-LD value: itself, an array's members, `@graph`'s.
fn items(value: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![(value, 0)];
    while let Some((value, depth)) = stack.pop() {
        if depth > 4 || out.len() > 64 {
            break;
        }
        match value {
            Value::Array(members) => stack.extend(members.iter().rev().map(|m| (m, depth + 1))),
            Value::Object(object) => {
                out.push(value);
                if let Some(graph) = object.get("@graph") {
                    stack.push((graph, depth + 1));
                }
            }
            _ => {}
        }
    }
    out
}

fn is_article(item: &Value) -> bool {
    let is = |t: &Value| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t));
    match item.get("@type") {
        Some(Value::Array(types)) => types.iter().any(is),
        Some(t) => is(t),
        None => false,
    }
}

fn string_of(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(collapse)
        .filter(|s| !s.is_empty())
        .or_else(|| value.as_array()?.first().and_then(string_of))
}

/// A person's name: a string, `{ "name": … }`, or the first of a list.
fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::Array(people) => {
            let names: Vec<String> = people.iter().filter_map(name_of).take(3).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        Value::Object(person) => person.get("name").and_then(string_of),
        _ => string_of(value),
    }
}

/// An image: a URL, `{ "url": … }`, or the first of a list.
fn url_of(value: &Value) -> Option<String> {
    match value {
        Value::Array(images) => images.iter().find_map(url_of),
        Value::Object(image) => image
            .get("url")
            .or_else(|| image.get("contentUrl"))
            .and_then(string_of),
        _ => string_of(value),
    }
}

fn meta_content(document: &Html, name: &str) -> Option<String> {
    first(
        document,
        &format!("meta[property=\"{name}\"], meta[name=\"{name}\"], meta[itemprop=\"{name}\"]"),
    )
    .and_then(|m| m.attr("content"))
    .map(collapse)
    .filter(|c| !c.is_empty())
}

/// Microdata: the `content` or `datetime` of an element with the property,
/// else its text (a person's `itemprop="name"` inside it where there is one).
fn itemprop(document: &Html, name: &str) -> Option<String> {
    let element = first(document, &format!("[itemprop~=\"{name}\"]"))?;
    let value = element
        .attr("content")
        .or_else(|| element.attr("datetime"))
        .map(collapse)
        .or_else(|| {
            let inner = Selector::parse("[itemprop~=\"name\"]").ok()?;
            element.select(&inner).next().map(|n| {
                n.attr("content")
                    .map(collapse)
                    .unwrap_or_else(|| collapse(&text_of(n)))
            })
        })
        .unwrap_or_else(|| collapse(&text_of(element)));
    (!value.is_empty()).then_some(value)
}

/// "By Jane Doe" -> "Jane Doe".
fn byline(text: &str) -> String {
    let text = collapse(text);
    for prefix in ["By ", "by ", "BY "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest.trim().to_string();
        }
    }
    text
}

/// A profile link given as the author (`article:author` often is one).
fn is_address(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

/// A date as pages write it: RFC 3339, RFC 2822, "2025-10-14", "2025/10/14",
/// "October 14, 2025", "14 October 2025".
pub(super) fn date_of(text: &str) -> Option<NaiveDate> {
    let text = collapse(text);
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.date_naive())
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(text).map(|t| t.date_naive()))
        .ok()
        .or_else(|| {
            let head = text.get(..10)?;
            NaiveDate::parse_from_str(head, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(head, "%Y/%m/%d"))
                .ok()
        })
        .or_else(|| {
            let words = text.trim_start_matches(|c: char| !c.is_alphanumeric());
            ["%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y"]
                .iter()
                .find_map(|format| NaiveDate::parse_and_remainder(words, format).ok())
                .map(|(date, _)| date)
        })
        .filter(|date| {
            use chrono::Datelike;
            bounds::YEARS.contains(&date.year())
        })
}

pub(super) fn first<'a>(document: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(selector).ok()?;
    document.select(&selector).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta_of(head: &str, body: &str) -> PageMeta {
        PageMeta::read(&Html::parse_document(&format!(
            "<html><head>{head}</head><body>{body}</body></html>"
        )))
    }

    #[test]
    fn json_ld_in_a_graph_gives_date_author_and_image() {
        let got = meta_of(
            r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
                {"@type":"WebSite","name":"Site"},
                {"@type":["NewsArticle"],"datePublished":"2024-03-05T10:00:00+01:00",
                 "author":[{"@type":"Person","name":"Ana Lima"},{"name":"Bo Chen"}],
                 "image":{"@type":"ImageObject","url":"https://img.example/lead.jpg"}}]}</script>"#,
            "",
        );
        assert_eq!(got.published, NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(got.author.as_deref(), Some("Ana Lima, Bo Chen"));
        assert_eq!(got.image.as_deref(), Some("https://img.example/lead.jpg"));
    }

    #[test]
    fn dates_from_microdata_meta_names_and_time() {
        let from = |head: &str, body: &str| meta_of(head, body).published.map(|d| d.to_string());
        assert_eq!(
            from(
                "",
                "<span itemprop=\"datePublished\" content=\"2023-01-02\">Jan 2</span>"
            )
            .as_deref(),
            Some("2023-01-02")
        );
        assert_eq!(
            from("<meta name=\"date\" content=\"2022/11/30\">", "").as_deref(),
            Some("2022-11-30")
        );
        assert_eq!(
            from(
                "<meta property=\"og:updated_time\" content=\"2021-06-07T08:09:10Z\">",
                ""
            )
            .as_deref(),
            Some("2021-06-07")
        );
        assert_eq!(
            from("", "<time>March 4, 2020</time>").as_deref(),
            Some("2020-03-04")
        );
        assert_eq!(from("<meta name=\"date\" content=\"soon\">", ""), None);
    }

    #[test]
    fn an_image_must_be_an_absolute_web_address() {
        let got = meta_of(
            "<meta property=\"og:image\" content=\"/relative.png\"><meta name=\"twitter:image\" content=\"https://x.example/t.png\">",
            "",
        );
        assert_eq!(got.image.as_deref(), Some("https://x.example/t.png"));
        let got = meta_of(
            "<meta property=\"og:image\" content=\"javascript:alert(1)\">",
            "",
        );
        assert_eq!(got.image, None);
    }

    #[test]
    fn bylines_lose_their_by_and_profile_links_are_not_names() {
        assert_eq!(
            meta_of("", "<a rel=\"author\" href=\"/u\">By Kim Park</a>")
                .author
                .as_deref(),
            Some("Kim Park")
        );
        assert_eq!(
            meta_of(
                "<meta property=\"article:author\" content=\"https://fb.example/kim\">",
                ""
            )
            .author,
            None
        );
    }
}
