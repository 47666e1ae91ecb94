//! Least-recently-used order over slots: an intrusive doubly linked list in
//! two index vectors, O(1) to touch or remove, no allocation after growth.

const NIL: u32 = u32::MAX;
/// `prev` of a slot that is not in the list.
const UNLINKED: u32 = u32::MAX - 1;

/// One slot's links, side by side so a touch reads one cache line per slot.
#[derive(Clone, Copy, Debug)]
struct Links {
  prev: u32,
  next: u32,
}

const FREE: Links = Links {
  prev: UNLINKED,
  next: NIL,
};

/// The slots in use, from least to most recently used.
#[derive(Debug, Default)]
pub struct RecencyList {
  links: Vec<Links>,
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
    self.links.get(slot as usize).is_some_and(|l| l.prev != UNLINKED)
  }

  /// Makes `slot` the most recently used, linking it if it was not.
  pub fn touch(&mut self, slot: u32) {
    if self.tail == Some(slot) {
      return;
    }
    self.remove(slot);
    if self.links.len() <= slot as usize {
      self.links.resize(slot as usize + 1, FREE);
    }
    self.links[slot as usize] = Links {
      prev: self.tail.unwrap_or(NIL),
      next: NIL,
    };
    match self.tail {
      Some(t) => self.links[t as usize].next = slot,
      None => self.head = Some(slot),
    }
    self.tail = Some(slot);
    self.len += 1;
  }

  /// Unlinks `slot`; returns whether it was linked.
  pub fn remove(&mut self, slot: u32) -> bool {
    if !self.contains(slot) {
      return false;
    }
    let Links { prev, next } = std::mem::replace(&mut self.links[slot as usize], FREE);
    match prev {
      NIL => self.head = (next != NIL).then_some(next),
      p => self.links[p as usize].next = next,
    }
    match next {
      NIL => self.tail = (prev != NIL).then_some(prev),
      n => self.links[n as usize].prev = prev,
    }
    self.len -= 1;
    true
  }

  /// Unlinks every slot, keeping the allocation.
  pub fn clear(&mut self) {
    self.links.fill(FREE);
    self.head = None;
    self.tail = None;
    self.len = 0;
  }

  /// Slots from least to most recently used.
  pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
    std::iter::successors(self.head, move |&s| {
      let n = self.links[s as usize].next;
      (n != NIL).then_some(n)
    })
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
