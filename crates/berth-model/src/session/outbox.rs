//! The output queue and request id counter both session machines hand their work out through.

use std::collections::VecDeque;

use super::{Output, Request, RequestId};

/// Outputs waiting for `poll_output`, and the id the next request gets.
#[derive(Debug)]
pub(crate) struct Outbox<E> {
    next_id: u64,
    queue: VecDeque<Output<E>>,
}

impl<E> Outbox<E> {
    /// An empty queue; the first request gets id 0.
    pub(crate) fn new() -> Self {
        Self {
            next_id: 0,
            queue: VecDeque::new(),
        }
    }

    /// Queues an event.
    pub(crate) fn event(&mut self, e: E) {
        self.queue.push_back(Output::Event(e));
    }

    /// Queues `request` under a fresh id and returns that id.
    pub(crate) fn send(&mut self, request: Request) -> RequestId {
        let rid = RequestId(self.next_id);
        self.next_id += 1;
        self.queue.push_back(Output::Send(rid, request));
        rid
    }

    /// The next queued output; once the queue is empty, [`Output::Done`] if the session is `over`,
    /// else [`Output::Idle`].
    pub(crate) fn poll(&mut self, over: bool) -> Output<E> {
        match self.queue.pop_front() {
            Some(out) => out,
            None if over => Output::Done,
            None => Output::Idle,
        }
    }
}
