//! SQLite's process-wide memory settings, made once before its first connection: its
//! allocations come from mimalloc (the allocator the rest of the process uses) instead of the
//! C library's, and it keeps no memory statistics, which take a process-wide lock around every
//! allocation. SQLite allocates for every value a statement binds, so a ledger import's
//! multi-row INSERTs call it millions of times.
//!
//! The only unsafe code of the crate: SQLite's configuration is a C variadic call, and the
//! allocator it is given is a table of C functions.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};
use std::sync::Once;

use libmimalloc_sys as mi;
use libsqlite3_sys as sqlite;

/// Applies the settings, once per process; a no-op when SQLite was already initialised (a
/// connection opened before), which SQLite then reports and this logs.
pub fn configure() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let methods = methods();
        // SAFETY: called before any connection of this process exists (`Once`, first thing
        // in `db::connect`; should one have been opened elsewhere, SQLite refuses and says
        // so); SQLite copies the method table, and its functions keep SQLite's contract (see
        // each).
        let (memstatus, malloc) = unsafe {
            (
                sqlite::sqlite3_config(sqlite::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
                sqlite::sqlite3_config(
                    sqlite::SQLITE_CONFIG_MALLOC,
                    &methods as *const sqlite::sqlite3_mem_methods,
                ),
            )
        };
        if memstatus != sqlite::SQLITE_OK || malloc != sqlite::SQLITE_OK {
            tracing::warn!(
                memstatus,
                malloc,
                "SQLite was in use before its memory settings could be made; it keeps its defaults"
            );
        }
    });
}

/// The allocator handed to SQLite, which copies it.
fn methods() -> sqlite::sqlite3_mem_methods {
    sqlite::sqlite3_mem_methods {
        xMalloc: Some(allocate),
        xFree: Some(free),
        xRealloc: Some(reallocate),
        xSize: Some(size),
        xRoundup: Some(round_up),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    }
}

/// At least `bytes`, aligned to 16 (SQLite needs 8); null when out of memory, as SQLite expects.
unsafe extern "C" fn allocate(bytes: c_int) -> *mut c_void {
    unsafe { mi::mi_malloc(bytes.max(0) as usize) }
}

/// SQLite frees only blocks `allocate` or `reallocate` returned.
unsafe extern "C" fn free(block: *mut c_void) {
    unsafe { mi::mi_free(block) }
}

/// Keeps the block's contents up to the smaller size; the old block is freed only on success.
unsafe extern "C" fn reallocate(block: *mut c_void, bytes: c_int) -> *mut c_void {
    unsafe { mi::mi_realloc(block, bytes.max(0) as usize) }
}

/// The usable size of a block (at least what was asked for), which SQLite may use whole.
unsafe extern "C" fn size(block: *mut c_void) -> c_int {
    c_int::try_from(unsafe { mi::mi_usable_size(block) }).unwrap_or(c_int::MAX)
}

/// The size `allocate` would really give for `bytes`.
unsafe extern "C" fn round_up(bytes: c_int) -> c_int {
    c_int::try_from(unsafe { mi::mi_good_size(bytes.max(0) as usize) }).unwrap_or(bytes)
}

/// mimalloc needs no setting up or tearing down.
unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    sqlite::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use super::{mi, sqlite};

    #[tokio::test]
    async fn sqlite_allocates_from_mimalloc_and_keeps_no_statistics() {
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('甲乙丙丁')")
            .await
            .unwrap();
        // SAFETY: a block SQLite allocated, freed by SQLite.
        unsafe {
            let block = sqlite::sqlite3_malloc(100);
            assert!(!block.is_null());
            assert!(mi::mi_is_in_heap_region(block), "SQLite allocates from mimalloc");
            assert!(sqlite::sqlite3_msize(block) >= 100);
            sqlite::sqlite3_free(block);
            assert_eq!(sqlite::sqlite3_memory_used(), 0, "SQLite keeps no memory statistics");
        }
    }
}
