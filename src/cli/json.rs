//! The JSON shapes `--json` prints: stable for scripts, documented in the README.

use serde_json::{json, Value};

use crate::store::{highlight_snippet, SearchHit, StoredBriefing};

pub fn briefing(stored: &StoredBriefing) -> Value {
    let b = &stored.briefing;
    json!({
        "id": stored.id,
        "slug": b.slug,
        "title": b.title,
        "published": b.published.map(|d| d.to_string()),
        "source": {
            "name": b.source.name,
            "tagline": b.source.tagline,
            "url": b.source.url,
        },
        "categories": b.categories,
        "highlights": b.highlights,
        "body": b.body,
        "implications": b.implications.as_ref().map(|t| json!({
            "caption": t.caption,
            "columns": t.columns,
            "rows": t.rows,
        })),
        "key_questions": stored.questions,
        "closing": b.closing,
        "imported_at": stored.imported_at,
        "updated_at": stored.updated_at,
    })
}

pub fn search_hits(hits: &[SearchHit]) -> Value {
    Value::Array(
        hits.iter()
            .map(|hit| {
                json!({
                    "id": hit.id,
                    "slug": hit.slug,
                    "title": hit.title,
                    "published": hit.published.map(|d| d.to_string()),
                    "snippet": highlight_snippet(&hit.snippet, "", ""),
                    "rank": hit.rank,
                })
            })
            .collect(),
    )
}

pub fn categories(categories: &[(String, u64)]) -> Value {
    Value::Array(
        categories
            .iter()
            .map(|(name, count)| json!({ "name": name, "count": count }))
            .collect(),
    )
}
