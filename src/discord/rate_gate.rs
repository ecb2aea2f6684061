//! Client-side spacing of message creates at Discord's documented limits
//! (50 requests a second overall, 5 messages per 5 seconds per channel).
//! Used only when serenity's rate limiter is off because requests go
//! through a proxy; otherwise serenity reads Discord's headers itself.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

pub struct RateGate {
    global_per_second: usize,
    per_channel: usize,
    channel_window: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// When the recent requests went out, oldest first.
    global: VecDeque<Instant>,
    channels: HashMap<u64, VecDeque<Instant>>,
    /// Channels that answered 429: nothing goes there before this time.
    held: HashMap<u64, Instant>,
}

impl RateGate {
    pub fn discord() -> Self {
        Self::new(50, 5, Duration::from_secs(5))
    }

    pub fn new(global_per_second: usize, per_channel: usize, channel_window: Duration) -> Self {
        Self {
            global_per_second: global_per_second.max(1),
            per_channel: per_channel.max(1),
            channel_window,
            state: Mutex::default(),
        }
    }

    /// Waits until a message may go to `channel`, and counts it.
    pub async fn wait_turn(&self, channel: u64) {
        loop {
            let wait = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                let wait = self.wait_needed(&mut state, channel, now);
                if wait.is_zero() {
                    state.global.push_back(now);
                    state.channels.entry(channel).or_default().push_back(now);
                    return;
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// After a 429 on `channel`: give it a whole window to recover.
    pub fn hold_channel(&self, channel: u64) {
        if let Ok(mut state) = self.state.try_lock() {
            state
                .held
                .insert(channel, Instant::now() + self.channel_window);
        }
    }

    fn wait_needed(&self, state: &mut State, channel: u64, now: Instant) -> Duration {
        let second = Duration::from_secs(1);
        while state
            .global
            .front()
            .is_some_and(|t| now.duration_since(*t) >= second)
        {
            state.global.pop_front();
        }
        let mut wait = Duration::ZERO;
        if state.global.len() >= self.global_per_second {
            wait = wait.max(second - now.duration_since(state.global[0]));
        }
        let sent = state.channels.entry(channel).or_default();
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.channel_window)
        {
            sent.pop_front();
        }
        if sent.len() >= self.per_channel {
            wait = wait.max(self.channel_window - now.duration_since(sent[0]));
        }
        if let Some(until) = state.held.get(&channel) {
            if *until > now {
                wait = wait.max(*until - now);
            } else {
                state.held.remove(&channel);
            }
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_channel_gets_five_messages_per_window_and_the_sixth_waits() {
        let gate = RateGate::new(50, 5, Duration::from_secs(5));
        let start = Instant::now();
        for _ in 0..5 {
            gate.wait_turn(1).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // Another channel is not held up by the first.
        gate.wait_turn(2).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        gate.wait_turn(1).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn the_global_limit_spaces_many_channels() {
        let gate = RateGate::new(50, 5, Duration::from_secs(5));
        let start = Instant::now();
        for channel in 0..120 {
            gate.wait_turn(channel).await;
        }
        // 120 requests at 50 a second: the last waits for the third second.
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
