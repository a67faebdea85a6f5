//! Keeps the order things arrived in while they finish in any order: the driver's sync
//! responses wait here for the worker pool to check their signatures (two workers may answer
//! out of turn), and each goes to the node's machine only when it and everything before it are
//! checked, so the machine sees a peer's responses in the order the peer sent them.

use std::collections::VecDeque;

/// Items numbered as they arrive, each marked when it finishes.
pub struct InOrder<T> {
    numbered: u64,
    waiting: VecDeque<(u64, bool, T)>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        Self {
            numbered: 0,
            waiting: VecDeque::new(),
        }
    }
}

impl<T> InOrder<T> {
    /// Nothing is waiting: an item that needs no wait can go on at once.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Adds `item` behind the others and returns its number, for [`InOrder::finished`].
    pub fn push(&mut self, item: T) -> u64 {
        self.numbered += 1;
        self.waiting.push_back((self.numbered, false, item));
        self.numbered
    }

    /// Marks item `number` finished and returns the items that may now go on, in the order
    /// they arrived. A number not waiting (never given, or gone on already) changes nothing.
    pub fn finished(&mut self, number: u64) -> Vec<T> {
        if let Some(waiting) = self.waiting.iter_mut().find(|(n, ..)| *n == number) {
            waiting.1 = true;
        }
        let mut ready = Vec::new();
        while self.waiting.front().is_some_and(|(_, done, _)| *done) {
            if let Some((_, _, item)) = self.waiting.pop_front() {
                ready.push(item);
            }
        }
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    fn items_go_on_in_the_order_they_came_whatever_order_they_finish_in() {
        let mut order = InOrder::default();
        assert!(order.is_empty());
        let (a, b, c) = (order.push("a"), order.push("b"), order.push("c"));
        assert!(!order.is_empty());
        assert_eq!(order.finished(c), Vec::<&str>::new(), "c waits for a and b");
        assert_eq!(order.finished(b), Vec::<&str>::new(), "b waits for a");
        assert_eq!(order.finished(a), vec!["a", "b", "c"]);
        assert!(order.is_empty());
        let d = order.push("d");
        assert!(d > c, "numbers are never reused");
        assert_eq!(order.finished(d), vec!["d"]);
    }

    #[wasm_bindgen_test]
    fn a_number_not_waiting_changes_nothing() {
        let mut order = InOrder::default();
        let a = order.push(1);
        assert_eq!(order.finished(a + 7), Vec::<i32>::new());
        assert_eq!(order.finished(a), vec![1]);
        assert_eq!(order.finished(a), Vec::<i32>::new(), "gone on already");
        assert!(order.is_empty());
    }
}
