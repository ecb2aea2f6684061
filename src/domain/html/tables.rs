//! Tables on a page: data tables read as rows of cells (the header first),
//! layout tables told apart so their cells are read as the page's text.

use scraper::{ElementRef, Selector};

use super::blocks::collapse;
use super::blocks::text_of;

/// Rows of a table read.
const MAX_TABLE_ROWS: usize = 64;

/// A table that lays out a page rather than holding data: one column, a
/// table inside it, or cells holding paragraphs and lists. Its cells are
/// read as the page's text.
pub(super) fn is_layout_table(table: ElementRef<'_>) -> bool {
    if table.value().attr("role") == Some("presentation") {
        return true;
    }
    let Ok(cells) = Selector::parse("td, th") else {
        return false;
    };
    let mut widest = 0;
    if let Ok(rows) = Selector::parse("tr") {
        for row in table.select(&rows).take(MAX_TABLE_ROWS) {
            widest = widest.max(row.child_elements().count());
        }
    }
    widest <= 1
        || table.select(&cells).take(MAX_TABLE_ROWS * 8).any(|cell| {
            cell.descendants().filter_map(ElementRef::wrap).any(|e| {
                matches!(
                    e.value().name(),
                    "table" | "p" | "div" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "blockquote"
                )
            })
        })
}

/// Rows of cells, the header first: `thead`'s row when there is one, else
/// the first row.
pub(super) fn table_rows(table: ElementRef<'_>) -> Vec<Vec<String>> {
    let Ok(rows) = Selector::parse("tr") else {
        return Vec::new();
    };
    let mut head = Vec::new();
    let mut body = Vec::new();
    for row in table.select(&rows).take(MAX_TABLE_ROWS) {
        let cells: Vec<String> = row
            .child_elements()
            .filter(|c| matches!(c.value().name(), "td" | "th"))
            .map(|c| collapse(&text_of(c)))
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let in_head = row
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|p| p.value().name() == "thead");
        if in_head && head.is_empty() {
            head.push(cells);
        } else {
            body.push(cells);
        }
    }
    head.extend(body);
    head
}
