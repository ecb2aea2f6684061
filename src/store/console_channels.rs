//! The console's long channel names (see migration 0016).

use rusqlite::types::Type;
use rusqlite::{params, OptionalExtension};

use super::{Result, Store};

impl Store {
    /// Every long console channel name, with its id.
    pub fn console_channels(&self) -> Result<Vec<(u64, String)>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, name FROM console_channels")?;
        let rows = statement.query_map([], |row| {
            let id = u64::try_from(row.get::<_, i64>(0)?)
                .map_err(|e| super::unreadable(0, Type::Integer, e))?;
            Ok((id, row.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records `name` under `id`; an id already naming another channel is
    /// refused (a hash collision: the caller asks for another name).
    pub fn remember_console_channel(&mut self, id: u64, name: &str) -> Result<bool> {
        let id = super::clamp(id);
        let held: Option<String> = self
            .conn
            .prepare_cached("SELECT name FROM console_channels WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?;
        match held {
            Some(held) => Ok(held == name),
            None => {
                self.conn.execute(
                    "INSERT INTO console_channels (id, name) VALUES (?1, ?2)",
                    params![id, name],
                )?;
                Ok(true)
            }
        }
    }
}
