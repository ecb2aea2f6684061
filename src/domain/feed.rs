//! Feeds (RSS 2.0, Atom, JSON Feed) read into the items Briefbot follows,
//! with `feed-rs`. Pure: the bytes come from whoever fetched them.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::html::Hints;

/// Items read from one feed; the rest are ignored (a feed lists its newest).
pub const MAX_ITEMS: usize = 50;
/// The longest icon address kept (Discord takes avatar URLs up to 2,048
/// characters; a real icon's is far shorter).
pub const MAX_ICON_URL: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The site's name and tagline, as the channel gives them.
    pub title: Option<String>,
    pub description: Option<String>,
    /// The site's icon (else its logo): an http(s) address of at most
    /// [`MAX_ICON_URL`] characters.
    pub icon: Option<String>,
    /// Newest first, as feeds list them.
    pub items: Vec<FeedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// The guid (else the link): what identifies the article across fetches.
    pub guid: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub published: Option<NaiveDate>,
    pub categories: Vec<String>,
    /// `content:encoded` or Atom content: the whole article when the site
    /// publishes full text.
    pub content: Option<String>,
    /// The first author's name, and an image (a media thumbnail, or image
    /// content or enclosure), where the feed gives them.
    pub author: Option<String>,
    pub image: Option<String>,
    /// A fingerprint of everything above: unchanged means the article need
    /// not be fetched again.
    pub fingerprint: String,
}

impl FeedItem {
    /// What the feed says about the article, for the page reader.
    pub fn hints(&self, feed: &Feed) -> Hints {
        Hints {
            title: self.title.clone(),
            url: self.url.clone(),
            published: self.published,
            categories: self.categories.clone(),
            site_name: feed.title.clone(),
            tagline: feed.description.clone(),
            author: self.author.clone(),
            image: self.image.clone(),
        }
    }
}

/// Whether bytes look like a feed rather than a web page.
pub fn looks_like_feed(bytes: &[u8], content_type: Option<&str>) -> bool {
    let declared = content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("xml") || t.contains("rss") || t.contains("atom") || t.contains("json")
    });
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    declared
        || head.starts_with("<?xml")
        || head.starts_with("<rss")
        || head.starts_with("<feed")
        || (head.starts_with('{') && head.contains("jsonfeed"))
}

pub fn parse(bytes: &[u8]) -> Result<Feed, String> {
    let parsed = feed_rs::parser::parse(bytes).map_err(|e| format!("not a readable feed: {e}"))?;
    let text = |t: Option<feed_rs::model::Text>| {
        t.map(|t| t.content.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
    };
    let items = parsed
        .entries
        .into_iter()
        .take(MAX_ITEMS)
        .filter_map(|entry| {
            let url = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())
                .map(|l| l.href.trim().to_string())
                .filter(|h| h.starts_with("http://") || h.starts_with("https://"));
            let guid = Some(entry.id.trim().to_string())
                .filter(|g| !g.is_empty())
                .or_else(|| url.clone())?;
            let content = entry
                .content
                .and_then(|c| c.body)
                .filter(|b| !b.trim().is_empty());
            let mut categories: Vec<String> = Vec::new();
            for category in &entry.categories {
                let name = category
                    .label
                    .as_deref()
                    .unwrap_or(&category.term)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                if !name.is_empty() && !categories.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                    categories.push(name);
                }
            }
            let author = entry
                .authors
                .first()
                .map(|p| p.name.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|n| !n.is_empty());
            let image = entry
                .media
                .iter()
                .flat_map(|m| {
                    let thumbnails = m.thumbnails.iter().map(|t| t.image.uri.clone());
                    let images = m
                        .content
                        .iter()
                        .filter(|c| c.content_type.as_ref().is_some_and(|t| t.ty() == "image"))
                        .filter_map(|c| c.url.as_ref().map(|u| u.to_string()));
                    thumbnails.chain(images).collect::<Vec<_>>()
                })
                .find(|u| u.starts_with("https://") || u.starts_with("http://"));
            let title = text(entry.title);
            let summary = text(entry.summary);
            let published = entry.published.or(entry.updated).map(|t| t.date_naive());
            let updated = entry.updated.map(|t| t.to_rfc3339());
            let mut hash = Sha256::new();
            for part in [
                Some(guid.as_str()),
                url.as_deref(),
                title.as_deref(),
                summary.as_deref(),
                content.as_deref(),
                updated.as_deref(),
                Some(&categories.join("\u{1f}")),
            ] {
                hash.update(part.unwrap_or("").as_bytes());
                hash.update([0u8]);
            }
            let fingerprint = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            Some(FeedItem {
                guid,
                url,
                title,
                published,
                categories,
                content,
                author,
                image,
                fingerprint,
            })
        })
        .collect();
    let icon = parsed
        .icon
        .iter()
        .chain(parsed.logo.iter())
        .map(|image| image.uri.trim().to_string())
        .find(|uri| {
            (uri.starts_with("https://") || uri.starts_with("http://"))
                && uri.len() <= MAX_ICON_URL
                && !uri.chars().any(char::is_whitespace)
        });
    Ok(Feed {
        title: text(parsed.title),
        description: text(parsed.description),
        icon,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_items_with_guid_categories_and_full_content() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
        <channel><title>Desk</title><description>Analysis</description>
        <item><title>One &amp; two</title><link>https://example.org/one/</link>
        <guid isPermaLink="false">https://example.org/?p=1</guid><pubDate>Tue, 14 Oct 2025 08:00:00 +0000</pubDate>
        <category><![CDATA[Energy]]></category><category>energy</category>
        <content:encoded><![CDATA[<h2>Highlights</h2><ul><li>a</li></ul>]]></content:encoded></item>
        </channel></rss>"#;
        let feed = parse(xml.as_bytes()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Desk"));
        let item = &feed.items[0];
        assert_eq!(item.guid, "https://example.org/?p=1");
        assert_eq!(item.title.as_deref(), Some("One & two"));
        assert_eq!(item.categories, vec!["Energy"]);
        assert_eq!(item.published, NaiveDate::from_ymd_opt(2025, 10, 14));
        assert!(item.content.as_deref().unwrap().contains("Highlights"));
    }

    #[test]
    fn atom_and_json_feeds_too() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
        <title>Desk</title><id>urn:desk</id><updated>2025-10-14T08:00:00Z</updated>
        <entry><title>One</title><id>urn:one</id><link href="https://example.org/one/"/>
        <updated>2025-10-14T08:00:00Z</updated><category term="energy" label="Energy"/>
        <content type="html">&lt;h2&gt;Key Questions&lt;/h2&gt;&lt;ul&gt;&lt;li&gt;Why?&lt;/li&gt;&lt;/ul&gt;</content></entry></feed>"#;
        let feed = parse(atom.as_bytes()).unwrap();
        let item = &feed.items[0];
        assert_eq!(
            (item.guid.as_str(), item.url.as_deref()),
            ("urn:one", Some("https://example.org/one/"))
        );
        assert_eq!(item.categories, vec!["Energy"]);
        assert!(crate::domain::html::fragment_is_structured(
            item.content.as_deref().unwrap()
        ));

        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "Desk",
            "items": [{"id": "7", "url": "https://example.org/seven/", "title": "Seven",
            "content_html": "<p>Text</p>", "tags": ["Energy"], "date_published": "2025-10-14T08:00:00Z"}]}"#;
        assert!(looks_like_feed(
            json.as_bytes(),
            Some("application/feed+json")
        ));
        let feed = parse(json.as_bytes()).unwrap();
        let item = &feed.items[0];
        assert_eq!(
            (item.guid.as_str(), item.title.as_deref()),
            ("7", Some("Seven"))
        );
        assert_eq!(item.published, NaiveDate::from_ymd_opt(2025, 10, 14));
        assert!(!looks_like_feed(
            b"<!DOCTYPE html><html></html>",
            Some("text/html")
        ));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(parse(b"<html><body>no</body></html>").is_err());
        assert!(parse(b"\x00\x01\x02").is_err());
    }
}
