//! mimalloc for every Rust allocation of the server (and of its tests, so
//! memory is measured as it runs).
//!
//! Rendering a page or a server function's answer is allocation-heavy:
//! glibc's malloc and free took about a quarter of the cycles of an SSR
//! request under load (perf, stop 17). Against the same bare reference
//! (scripts/bench/budgets.sh) the SSR page went from 0.21 to ~0.29 of it
//! and the list server function from 0.61 to ~0.77. It also settles what
//! glibc needed tuning for (`mallopt`): each argon2 hash allocates 19 MiB,
//! which glibc kept in its arenas once freed (~280 MB resident after a
//! crowd of log-ins); under scripts/bench/login-flood.sh the peak is 96 MB.
//!
//! One option is changed: mimalloc 3 reserves its memory in 1 GiB arenas
//! and returns it in large pieces, which left an idle server with ~24 MB
//! more anonymous memory than glibc (30 MB against 7 MB). Taking memory
//! from the system as needed (`arena_reserve` = 0) keeps it at glibc's.
//! Its cost is measured too (stop 24): under load on 2-byte audio ranges a
//! page emptied goes straight back to the system, about 0.25 `munmap` and
//! 0.12 `mmap` per request. A 64 MiB arena removes them all, and the
//! throughput does not move (31,039 against 31,224 rps; 0.53 against 0.55
//! of nginx in scripts/bench/budgets.sh), while idle RSS doubles (44.6
//! against 23.4 MiB). An operator who prefers the arena sets
//! `MIMALLOC_ARENA_RESERVE` (in KiB, or with a unit: `64MiB`).
//! The option must be set before the first allocation, so it is set from
//! an `.init_array` constructor, which the loader runs before `main` and
//! before the Rust runtime allocates anything.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_reserve` in mimalloc 3's `mi_option_e` (mimalloc.h);
/// libmimalloc-sys does not name it. The test below checks it is that option.
const ARENA_RESERVE: libmimalloc_sys::mi_option_t = 23;

/// What Echoes reserves at a time, in KiB.
const ARENA_RESERVE_KIB: std::ffi::c_long = 0;

/// Set unless the operator chose a value in `MIMALLOC_ARENA_RESERVE`
/// (mimalloc reads its `MIMALLOC_*` variables itself). libc's `getenv`
/// because `std::env` allocates, and nothing may allocate yet.
extern "C" fn take_memory_as_needed() {
    unsafe extern "C" {
        fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
    }
    // SAFETY: reads the environment with a NUL-terminated name; no thread
    // runs yet that could change it.
    if !unsafe { getenv(c"MIMALLOC_ARENA_RESERVE".as_ptr()) }.is_null() {
        return;
    }
    // SAFETY: sets one of mimalloc's option values; nothing else runs yet.
    unsafe { libmimalloc_sys::mi_option_set(ARENA_RESERVE, ARENA_RESERVE_KIB) }
}

#[used]
#[link_section = ".init_array"]
static SET_OPTIONS_BEFORE_MAIN: extern "C" fn() = take_memory_as_needed;

/// Whether the option took (it does unless the constructor was left out
/// by the linker; calling this from `main` also keeps it in).
pub fn tuned() -> bool {
    // SAFETY: reads an option value.
    let reserve = unsafe { libmimalloc_sys::mi_option_get(ARENA_RESERVE) };
    reserve == ARENA_RESERVE_KIB || std::env::var_os("MIMALLOC_ARENA_RESERVE").is_some()
}

#[cfg(test)]
mod tests {
    /// Option 23 is the arena reservation: the options before it still
    /// have their distinctive defaults at their places (os_tag 100,
    /// max_errors and max_warnings 32, the segment reclaim share 10), and
    /// it reads 0, set before `main`.
    #[test]
    fn the_arena_reservation_is_off() {
        // SAFETY: reads option values.
        let get = |option| unsafe { libmimalloc_sys::mi_option_get(option) };
        assert_eq!([get(18), get(19), get(20), get(21)], [100, 32, 32, 10], "mimalloc's options moved");
        assert!(super::tuned());
    }
}
