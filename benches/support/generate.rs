#![allow(dead_code)] // each bench uses part of the generator
//! Deterministic generated briefings for benchmarks: a Zipf-like vocabulary so
//! search sees common and rare words the way real text has them.

use briefbot::domain::{slugify, BodyBlock, Briefing, ImplicationRow, Implications, Source};

/// xorshift64*: reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub struct Vocabulary {
    words: Vec<String>,
}

impl Vocabulary {
    /// `size` distinct made-up words; rank 0 is the most frequent.
    pub fn new(size: usize) -> Self {
        let syllables = [
            "ra", "ne", "ko", "li", "tu", "sa", "mi", "de", "po", "ga", "vel", "tor", "ban", "sil",
            "mar", "en", "ul", "sta", "gri", "fo", "pen", "dro", "ki", "lu", "bre",
        ];
        let mut rng = Rng::new(7);
        let mut seen = std::collections::HashSet::with_capacity(size);
        let mut words = Vec::with_capacity(size);
        while words.len() < size {
            let n = 2 + rng.below(3);
            let word: String = (0..n)
                .map(|_| syllables[rng.below(syllables.len())])
                .collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        Self { words }
    }

    /// Word rank r is drawn with probability ~ 1/r (Zipf).
    pub fn word(&self, rng: &mut Rng) -> &str {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let n = self.words.len() as f64;
        let rank = (n.powf(u) - 1.0) as usize;
        &self.words[rank.min(self.words.len() - 1)]
    }

    /// A content word of the kind people search for: not among the 200 most
    /// frequent (the "the, of, and" of the corpus), nor in the rarest half.
    pub fn topic_word(&self, rng: &mut Rng) -> &str {
        &self.words[200 + rng.below(self.words.len() * 2 / 5)]
    }

    fn sentence(&self, rng: &mut Rng, words: usize, end: char) -> String {
        let mut text: Vec<String> = (0..words).map(|_| self.word(rng).to_string()).collect();
        text[0] = capitalise(&text[0]);
        format!("{}{end}", text.join(" "))
    }

    fn title(&self, rng: &mut Rng, words: usize) -> String {
        (0..words)
            .map(|_| capitalise(self.word(rng)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn briefing(&self, n: usize, rng: &mut Rng) -> Briefing {
        let title = format!("{} {n}", self.title(rng, 6));
        Briefing {
            slug: slugify(&title),
            title,
            published: chrono::NaiveDate::from_num_days_from_ce_opt(738_000 + (n % 1500) as i32),
            source: Source {
                name: Some("Bench Desk".into()),
                tagline: Some("Generated for benchmarks.".into()),
                url: None,
            },
            categories: vec![capitalise(&self.words[rng.below(12)])],
            highlights: (0..3).map(|_| self.sentence(rng, 15, '.')).collect(),
            body: (0..4)
                .map(|_| {
                    BodyBlock::paragraph(
                        (0..3)
                            .map(|_| self.sentence(rng, 13, '.'))
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                })
                .collect(),
            implications: Some(Implications {
                caption: "Desk: Implications".into(),
                columns: vec!["Desk: Implications".into(), "Summary".into()],
                rows: (0..3)
                    .map(|_| ImplicationRow {
                        heading: self.title(rng, 4),
                        summary: self.sentence(rng, 20, '.'),
                    })
                    .collect(),
            }),
            key_questions: (0..3).map(|_| self.sentence(rng, 14, '?')).collect(),
            closing: Some(self.sentence(rng, 18, '.')),
            author: None,
            image: None,
        }
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
