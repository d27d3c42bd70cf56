//! What lambkin keeps in the store, and nothing else: table names, keys, record shapes and cascades. Every
//! other module reads and writes the store through the typed functions here.

pub(crate) mod events;
