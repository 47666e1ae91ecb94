//! Least-recently-used order over slots: an intrusive doubly linked list in
//! two index vectors, O(1) to touch or remove, no allocation after growth.

const NIL: u32 = u32::MAX;

/// The slots in use, from least to most recently used.
#[derive(Debug, Default)]
pub struct RecencyList {
  prev: Vec<u32>,
  next: Vec<u32>,
  linked: Vec<bool>,
  head: Option<u32>,
  tail: Option<u32>,
  len: usize,
}

impl RecencyList {
  /// How many slots are linked.
  pub fn len(&self) -> usize {
    self.len
  }

  /// Whether `slot` is in the list.
  pub fn contains(&self, slot: u32) -> bool {
    self.linked.get(slot as usize).copied().unwrap_or(false)
  }

  /// Makes `slot` the most recently used, linking it if it was not.
  pub fn touch(&mut self, slot: u32) {
    if self.tail == Some(slot) {
      return;
    }
    self.remove(slot);
    self.grow_to(slot);
    let i = slot as usize;
    self.prev[i] = self.tail.unwrap_or(NIL);
    self.next[i] = NIL;
    match self.tail {
      Some(t) => self.next[t as usize] = slot,
      None => self.head = Some(slot),
    }
    self.tail = Some(slot);
    self.linked[i] = true;
    self.len += 1;
  }

  /// Unlinks `slot`; returns whether it was linked.
  pub fn remove(&mut self, slot: u32) -> bool {
    if !self.contains(slot) {
      return false;
    }
    let i = slot as usize;
    let (p, n) = (self.prev[i], self.next[i]);
    match p {
      NIL => self.head = (n != NIL).then_some(n),
      p => self.next[p as usize] = n,
    }
    match n {
      NIL => self.tail = (p != NIL).then_some(p),
      n => self.prev[n as usize] = p,
    }
    self.linked[i] = false;
    self.len -= 1;
    true
  }

  /// Unlinks every slot, keeping the allocation.
  pub fn clear(&mut self) {
    self.linked.iter_mut().for_each(|l| *l = false);
    self.head = None;
    self.tail = None;
    self.len = 0;
  }

  /// Slots from least to most recently used.
  pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
    std::iter::successors(self.head, move |&s| {
      let n = self.next[s as usize];
      (n != NIL).then_some(n)
    })
  }

  fn grow_to(&mut self, slot: u32) {
    let needed = slot as usize + 1;
    if self.linked.len() < needed {
      self.prev.resize(needed, NIL);
      self.next.resize(needed, NIL);
      self.linked.resize(needed, false);
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn order(list: &RecencyList) -> Vec<u32> {
    list.iter().collect()
  }

  #[test]
  fn touching_moves_a_slot_to_the_most_recent_end() {
    let mut list = RecencyList::default();
    for s in [0, 1, 2] {
      list.touch(s);
    }
    list.touch(0);
    assert_eq!(order(&list), vec![1, 2, 0]);
    assert_eq!(list.len(), 3);
  }

  #[test]
  fn removing_head_middle_and_tail_keeps_the_rest_in_order() {
    let mut list = RecencyList::default();
    for s in 0..5 {
      list.touch(s);
    }
    assert!(list.remove(0));
    assert!(list.remove(2));
    assert!(list.remove(4));
    assert!(!list.remove(4));
    assert_eq!(order(&list), vec![1, 3]);
    list.touch(9);
    assert_eq!(order(&list), vec![1, 3, 9]);
  }

  #[test]
  fn clear_empties_the_list_and_slots_can_be_reused() {
    let mut list = RecencyList::default();
    list.touch(3);
    list.touch(1);
    list.clear();
    assert_eq!(list.len(), 0);
    assert_eq!(order(&list), Vec::<u32>::new());
    list.touch(1);
    assert_eq!(order(&list), vec![1]);
  }

  #[test]
  fn matches_a_vector_model_under_random_operations() {
    let mut list = RecencyList::default();
    let mut model: Vec<u32> = Vec::new();
    let mut seed = 0x2545_f491_u64;
    for _ in 0..20_000 {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      let slot = (seed % 64) as u32;
      if seed % 3 == 0 {
        let was = model.iter().position(|&s| s == slot).map(|i| model.remove(i)).is_some();
        assert_eq!(list.remove(slot), was);
      } else {
        model.retain(|&s| s != slot);
        model.push(slot);
        list.touch(slot);
      }
      assert_eq!(list.len(), model.len());
    }
    assert_eq!(order(&list), model);
  }
}
