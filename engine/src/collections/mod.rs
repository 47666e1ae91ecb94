//! Data structures more than one engine uses, owned by none of them: the
//! cache orders its entries and the limiter its identifiers with the same
//! recency list.

mod recency_list;

pub use recency_list::RecencyList;
