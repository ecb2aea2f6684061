-- How a server's posts and /briefing replies look (domain::view::Layout):
-- 'cards' (Discord's Components V2) or 'classic' (embeds), and the accent
-- colour down a card's edge (0xRRGGBB, or none).
ALTER TABLE guild_settings ADD COLUMN layout TEXT NOT NULL DEFAULT 'cards'
    CHECK (layout IN ('cards', 'classic'));
ALTER TABLE guild_settings ADD COLUMN accent_color INTEGER
    CHECK (accent_color BETWEEN 0 AND 16777215);
