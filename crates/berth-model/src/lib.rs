//! Docker Registry v1 and Index v1 protocol model: ids, names, image JSON, routes, errors, push and pull state machines; no I/O
